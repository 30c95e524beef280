// Agents that misbehave on purpose. Whatever they do, each task must end in a clear state, the
// base must only ever move forward with a sound object store, and the user's own checkout (dirty
// and untracked files included) must be exactly as it was.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_CAP_BYTES } from '../../source/agents/tail.js';
import { attemptLogDir, runPaths, stateDirFor } from '../../source/engine/host/paths.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

/** A repo whose checkout of main has an uncommitted edit and an untracked file, as a user's would. */
function userRepo(): TempRepo {
  const r = repo({ files: { 'README.md': 'title\n', 'notes.md': 'notes\n' } });
  r.write('notes.md', 'my uncommitted notes\n');
  r.write('scratch.txt', 'untracked, mine\n');
  return r;
}

interface Before {
  base: string;
  status: string;
  files: string[];
}

function before(r: TempRepo): Before {
  return { base: r.git('rev-parse', 'main'), status: r.git('status', '--porcelain'), files: [r.read('notes.md'), r.read('scratch.txt')] };
}

/** Base moved only forward, the object store is sound, the user's checkout is untouched. */
function expectIntact(r: TempRepo, was: Before): void {
  execFileSync('git', ['merge-base', '--is-ancestor', was.base, 'main'], { cwd: r.dir });
  const fsck = execFileSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: r.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(fsck).toBe('');
  expect(r.git('status', '--porcelain')).toBe(was.status);
  expect([r.read('notes.md'), r.read('scratch.txt')]).toEqual(was.files);
}

/** Alive and not a zombie (an orphan's zombie lingers where pid 1 does not reap). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && running(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !running(pid);
}

/** Whatever a failed assertion left running is stopped, so no test leaves processes behind. */
function killLeftovers(pidFiles: string[]): void {
  for (const file of pidFiles) {
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
    if (Number.isInteger(pid) && running(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function agentLog(r: TempRepo, id: string, attempt = 1): Promise<string> {
  const state = await lastRun(r.dir);
  const paths = runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), state.runId);
  return join(attemptLogDir(paths, { project: '', id }, false, attempt), 'agent.log');
}

function oneTask(r: TempRepo, line: string, defaults = 'retries: 0'): void {
  writeFleet(r.dir, `version: 1\ndefaults: { ${defaults} }\ntasks:\n  - ${line}\n`);
}

describe('hostile agents', () => {
  it('an agent that forks children and exits: the children are stopped, the task merges', async () => {
    const r = userRepo();
    const pids = join(r.root, 'pids');
    oneTask(r, `{ id: forker, run: "${agent('hostile-fork', 'forked.txt', pids)}" }`);
    const was = before(r);
    try {
      const result = await runFleet(r.dir);
      expect(result.code, result.out + result.err).toBe(0);
      const group = Number(readFileSync(`${pids}.group`, 'utf8'));
      const escaped = Number(readFileSync(`${pids}.setsid`, 'utf8'));
      expect(await gone(group)).toBe(true);
      expect(await gone(escaped)).toBe(true);
      expect(r.git('show', 'main:forked.txt')).toBe('forked two children and left');
      expectIntact(r, was);
    } finally {
      killLeftovers([`${pids}.group`, `${pids}.setsid`]);
    }
  });

  it('an agent that ignores SIGTERM past its timeout: killed, failed (timeout), its log kept', async () => {
    const r = userRepo();
    const pidFile = join(r.root, 'stubborn.pid');
    oneTask(r, `{ id: stubborn, timeout: 2s, run: "${agent('hostile-ignore-term', pidFile)}" }`);
    const was = before(r);
    try {
      const result = await runFleet(r.dir);
      expect(result.code).toBe(1);
      const t = (await lastRun(r.dir)).tasks.stubborn!;
      expect(t.state).toBe('failed');
      expect(t.failure?.phase).toBe('timeout');
      expect(t.failure?.message).toBe('agent timed out');
      expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
      expect(readFileSync(await agentLog(r, 'stubborn'), 'utf8')).toContain('you cannot stop me');
      expect(existsSync(t.worktree!)).toBe(true);
      expectIntact(r, was);
    } finally {
      killLeftovers([pidFile]);
    }
  });

  it('an agent that prints 100 MB: its log stays within the 64 MiB cap and the task still merges', async () => {
    const r = userRepo();
    oneTask(r, `{ id: flood, run: "${agent('hostile-flood', 'flood.txt')}" }`);
    const was = before(r);
    const result = await runFleet(r.dir);
    expect(result.code, result.err).toBe(0);
    const log = await agentLog(r, 'flood');
    expect(statSync(log).size).toBeLessThanOrEqual(LOG_CAP_BYTES + 1024);
    expect(readFileSync(log, 'latin1')).toContain('[fleet: log passed 64 MiB');
    expect(r.git('show', 'main:flood.txt')).toBe('survived the flood');
    expectIntact(r, was);
  });

  it('an agent that deletes its own worktree: failed, naming the missing worktree; a retry starts clean and merges', async () => {
    const r = userRepo();
    oneTask(r, `{ id: vandal, run: "${agent('hostile-rm-worktree')}" }`);
    const was = before(r);
    expect((await runFleet(r.dir)).code).toBe(1);
    const t = (await lastRun(r.dir)).tasks.vandal!;
    expect(t.state).toBe('failed');
    expect(t.failure?.message).toContain(t.worktree!);
    expect(t.failure?.message).toContain('the agent deleted its worktree');
    expectIntact(r, was);

    // The user fixes the task and retries it: the missing worktree is archived away, not in the way.
    oneTask(r, `{ id: vandal, run: "${agent('edit', 'vandal.txt', 'behaved')}" }`);
    expect((await fleetCli(r.dir, 'retry', 'vandal')).code).toBe(0);
    const retried = await runFleet(r.dir);
    expect(retried.code, retried.out).toBe(0);
    expect(r.git('show', 'main:vandal.txt')).toBe('behaved');
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain('vandal');
    expectIntact(r, { ...was, base: r.git('rev-parse', 'main') });
  });

  it('an agent that checks out another branch: failed "left its branch", base untouched', async () => {
    const r = userRepo();
    oneTask(r, `{ id: wanderer, run: "${agent('hostile-checkout', 'mine.txt')}" }`);
    const was = before(r);
    expect((await runFleet(r.dir)).code).toBe(1);
    const t = (await lastRun(r.dir)).tasks.wanderer!;
    expect(t.state).toBe('failed');
    expect(t.failure?.message).toBe('the agent left its branch: HEAD is refs/heads/agent-own-idea, expected fleet/wanderer');
    expect(r.git('rev-parse', 'main')).toBe(was.base);
    expectIntact(r, was);
  });

  it('an agent that pushes to the checked-out base: git refuses, the work goes through the queue', async () => {
    const r = userRepo();
    oneTask(r, `{ id: pusher, run: "${agent('hostile-base', 'push', 'work.txt')}" }`);
    const was = before(r);
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(readFileSync(await agentLog(r, 'pusher'), 'utf8')).toContain('push to main refused');
    const merged = r.git('log', '--first-parent', '--format=%s', 'main').split('\n');
    expect(merged[0]).toBe('Merge fleet task pusher: pusher');
    expect(r.git('show', 'main:sneaky.txt')).toBe('sneaky');
    expectIntact(r, was);
  });

  it('an agent that moves an unchecked-out base with plumbing: fleet builds and gate-checks its candidate on the moved tip', async () => {
    const r = userRepo();
    r.git('stash', '-q', '-u'); // the user works on another branch, so main is checked out nowhere
    r.git('checkout', '-q', '-b', 'dev');
    r.git('stash', 'pop', '-q');
    oneTask(r, `{ id: sneak, run: "${agent('hostile-base', 'update-ref', 'work.txt')}" }`, 'retries: 0, check: "test -f work.txt"');
    const was = before(r);
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    const t = (await lastRun(r.dir)).tasks.sneak!;
    expect(t.state).toBe('merged');
    // main = merge of (the agent's sneaked commit, the task), never rewound past what the agent put there.
    const [first, second] = r.git('log', '--first-parent', '--format=%s', 'main').split('\n');
    expect([first, second]).toEqual(['Merge fleet task sneak: sneak', 'sneaked onto main']);
    expect(result.out).toMatch(/sneak: .*gate/);
    expect(r.git('show', 'main:work.txt')).toBe('my actual work');
    expect(r.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('dev');
    expectIntact(r, was);
  });

  it('an agent that runs git gc --prune=now and git worktree prune: nothing of fleet\'s is lost, both tasks merge', async () => {
    const r = userRepo();
    writeFleet(
      r.dir,
      `version: 1\nconcurrency: 2\ndefaults: { retries: 0 }\ntasks:\n  - { id: janitor, run: "${agent('hostile-gc', 'tidy.txt')}" }\n  - { id: bystander, run: "${agent('edit', 'bystander.txt', 'b', '1')}" }\n`,
    );
    const was = before(r);
    const result = await runFleet(r.dir);
    const state = await lastRun(r.dir);
    const why = state.order.map((k) => `${k}: ${state.tasks[k]!.state} ${state.tasks[k]!.failure?.message ?? state.tasks[k]!.review?.message ?? ''}`);
    expect(result.code, [...why, result.out, result.err].join('\n')).toBe(0);
    expect(state.order.map((k) => state.tasks[k]!.state)).toEqual(['merged', 'merged']);
    expect(r.git('show', 'main:tidy.txt')).toBe('tidy');
    expect(r.git('show', 'main:bystander.txt')).toBe('b');
    expect(r.git('for-each-ref', '--format=%(refname)', `refs/fleet/${state.runId}/merged/`).split('\n')).toHaveLength(2);
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expectIntact(r, was);
  });
});
