// Revisions: comments sent back to a task's agent, which reruns in the same worktree and branch,
// and the agent CLI's session continued where the preset can. Real runs on temp repos.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPaths, stateDirFor } from '../../source/engine/host/paths.js';
import { tempRepos } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();
const RESUME_BIN = new URL('../fixtures/resume-agent/', import.meta.url).pathname;

const REVISABLE = `version: 1
defaults: { retries: 0 }
tasks:
  - { id: greet, run: "${agent('revisable', 'greeting.txt', 'hi', 'hello, world')}" }
`;

/** Runs fleet with the stub claude first on PATH. */
async function withStubClaude<T>(work: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${RESUME_BIN}:${saved}`;
  try {
    return await work();
  } finally {
    process.env.PATH = saved;
  }
}

describe('fleet revise', () => {
  it('reruns the agent on the same branch with the comments; the result is checked and merged', async () => {
    const r = repo({ files: { 'greeting.txt': 'old\n' } });
    writeFleet(r.dir, REVISABLE);
    expect((await runFleet(r.dir)).code).toBe(1);
    const before = await lastRun(r.dir);
    expect(before.tasks.greet!.state).toBe('review');
    const worktree = before.tasks.greet!.worktree!;

    const sent = await fleetCli(r.dir, 'revise', 'greet', '-m', 'say hello to the world', '--at', 'greeting.txt:1', '-m', 'and no symlinks');
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.out).toContain('recorded: revise greet');

    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    const t = (await lastRun(r.dir)).tasks.greet!;
    expect(t.state).toBe('merged');
    // Not a fresh attempt: same attempt, nothing archived, the first commit still on the branch.
    expect(t.attempt).toBe(1);
    expect(t.archives).toEqual([]);
    expect(r.git('show', 'main:greeting.txt')).toBe('hello, world');
    expect(r.git('log', '--format=%s', '-3', 'main')).toContain('greet');
    expect(t.revisions).toEqual([
      {
        at: expect.any(Number),
        attempt: 1,
        comments: [{ text: 'say hello to the world', path: 'greeting.txt', line: 1 }, { text: 'and no symlinks' }],
      },
    ]);
    const logs = join(runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), before.runId).logsDir, 'greet', '1');
    const prompt = readFileSync(join(logs, 'revise-prompt.txt'), 'utf8');
    expect(prompt).toContain('--- fleet: where your last run stopped ---');
    expect(prompt).toContain('- greeting.txt:1: say hello to the world\n- (general): and no symlinks\n');
    const log = readFileSync(join(logs, 'revise.log'), 'utf8');
    expect(log).toContain('feedback given:');
    expect(existsSync(worktree)).toBe(false); // merged: cleaned up as usual
  });

  it('asks for changes on a task awaiting approval: revised, checked, held again, then approved and merged', async () => {
    const r = repo({ files: { 'greeting.txt': 'old\n' } });
    // Writes "hi" first; once its prompt carries review comments, "hello".
    const script = join(r.root, 'greeter.sh');
    writeFileSync(script, `if grep -q -e '--- fleet: review comments' "$FLEET_PROMPT_FILE"; then echo hello; else echo hi; fi > greeting.txt\n`);
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: greet, run: "sh ${script}", approve: true }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    expect((await lastRun(r.dir)).tasks.greet!.state).toBe('awaiting_approval');
    expect((await fleetCli(r.dir, 'diff', 'greet')).out).toContain('\n-old\n+hi\n');

    const sent = await fleetCli(r.dir, 'revise', 'greet', '-m', 'say hello', '--at', 'greeting.txt:1');
    expect(sent.code, sent.err).toBe(0);
    expect((await runFleet(r.dir)).code).toBe(1);
    const held = (await lastRun(r.dir)).tasks.greet!;
    expect(held.state).toBe('awaiting_approval');
    expect(held.attempt).toBe(1);
    expect(held.revisions).toHaveLength(1);
    expect((await fleetCli(r.dir, 'diff', 'greet')).out).toContain('\n-old\n+hello\n');
    expect(r.git('show', 'main:greeting.txt')).toBe('old');

    expect((await fleetCli(r.dir, 'approve', 'greet')).code).toBe(0);
    expect((await runFleet(r.dir)).code).toBe(0);
    expect((await lastRun(r.dir)).tasks.greet!.state).toBe('merged');
    expect(r.git('show', 'main:greeting.txt')).toBe('hello');
  });

  it('is refused on a merged task with the reason and exit 2', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    const refused = await fleetCli(r.dir, 'revise', 'one', '-m', 'more');
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      'fleet: cannot revise one: only a task in review, failed or awaiting approval can be revised; it is merged\n' +
        "hint: revise applies to a task that is failed, in review or awaiting approval; `fleet status` shows each task's state\n",
    );
  });

  it('is refused on a running task by the live run, with the reason and exit 2', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '60', 'slow.txt')}" }\n`);
    const run = startRun(r.dir, 'slow │ working 0');
    await run.seen;
    const refused = await fleetCli(r.dir, 'revise', 'slow', '-m', 'faster');
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('cannot revise slow: only a task in review, failed or awaiting approval can be revised; it is running\n');
    run.abort.abort();
    await run.done;
  });

  it('needs a comment, and --at after the comment it places', async () => {
    const r = repo();
    writeFleet(r.dir, REVISABLE);
    await runFleet(r.dir);
    expect((await fleetCli(r.dir, 'revise', 'greet')).code).toBe(2);
    const misplaced = await fleetCli(r.dir, 'revise', 'greet', '--at', 'a.txt:3', '-m', 'x');
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('--at places the comment before it: write -m TEXT first');
  });
});

describe('resumed agent sessions', () => {
  const CLAUDE_TASK = `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: hello, agent: claude, prompt: Write a greeting }\n`;

  /** Runs to review, revises, runs again; the stub's second argv and what the second run printed. */
  async function reviseTwice(dir: string): Promise<{ argv: string[]; out: string }> {
    const out = await withStubClaude(async () => {
      expect((await runFleet(dir)).code).toBe(1);
      expect((await lastRun(dir)).tasks.hello!.sessionId).toBe('sess-4b81d047');
      expect((await fleetCli(dir, 'revise', 'hello', '-m', 'no symlinks please')).code).toBe(0);
      const resumed = await runFleet(dir, { json: true });
      expect(resumed.code, resumed.out + resumed.err).toBe(0);
      return resumed.out;
    });
    return { argv: argvOf(dir, 2), out };
  }

  /** The arguments of the stub's nth run (one a line; the prompt, last, spans several). */
  function argvOf(dir: string, n: number): string[] {
    return readFileSync(join(dir, `argv-${n}.txt`), 'utf8').trim().split('\n');
  }

  it('a revision continues the session the agent named', async () => {
    const r = repo();
    writeFleet(r.dir, CLAUDE_TASK);
    const { argv } = await reviseTwice(r.dir);
    expect(argv.slice(0, 3)).toEqual(['-p', '--resume', 'sess-4b81d047']);
    expect(argv.join('\n')).toContain('- (general): no symlinks please');
    expect((await lastRun(r.dir)).tasks.hello!.state).toBe('merged');
  });

  it('with resume_session: false, a revision starts a new session', async () => {
    const r = repo();
    writeFleet(r.dir, CLAUDE_TASK.replace('retries: 0', 'retries: 0, resume_session: false'));
    const { argv } = await reviseTwice(r.dir);
    expect(argv).not.toContain('--resume');
    expect(argv.join('\n')).toContain('- (general): no symlinks please');
  });

  it('a session the CLI will not resume falls back to a new one with the same feedback, and says so', async () => {
    const r = repo();
    writeFleet(r.dir, CLAUDE_TASK);
    writeFileSync(join(r.dir, 'reject-resume'), '');
    const { argv: second, out } = await reviseTwice(r.dir);
    expect(second).toContain('--resume');
    expect(out).toContain('did not resume session sess-4b81d047; starting a new session with the same feedback');
    const third = argvOf(r.dir, 3);
    expect(third).not.toContain('--resume');
    expect(third.join('\n')).toContain('- (general): no symlinks please');
    expect((await lastRun(r.dir)).tasks.hello!.state).toBe('merged');
  });
});
