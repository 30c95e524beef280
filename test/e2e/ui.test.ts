import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, lastRun, writeFleet } from '../helpers/fleet.js';
import { CLI, fleetEnv, hasTmux, stopEngine, TmuxSession } from './tmux.js';

const sessions: TmuxSession[] = [];
const repos: string[] = [];
// vitest runs afterEach hooks in reverse order of registration: the hook below runs before
// tempRepos' own, so engines are stopped before their repos are deleted.
const makeRepo = tempRepos();
const repo: typeof makeRepo = (opts) => {
  const r = makeRepo(opts);
  repos.push(r.dir);
  return r;
};
afterEach(async () => {
  for (const s of sessions.splice(0)) s.kill();
  // The engine runs detached from the terminal on purpose: stop it like a user would.
  for (const dir of repos.splice(0)) await stopEngine(dir);
});

function fleetInTmux(cwd: string, cols: number, rows: number, extra: Record<string, string> = {}): TmuxSession {
  const s = new TmuxSession(['node', CLI, 'run'], { cwd, cols, rows, env: fleetEnv(extra) });
  sessions.push(s);
  return s;
}

/** The number after "tick " on the last line that has one. */
function lastTick(screen: string): number {
  const ticks = [...screen.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
  return ticks.length > 0 ? Math.max(...ticks) : -1;
}

describe.skipIf(!hasTmux())('the full-screen UI in a real terminal', () => {
  it('at 80×24 shows tasks progress to merged, and quitting restores the terminal', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1', '0.5')}" }\n  - { id: two, run: "${agent('edit', 'two.txt', '2', '0.5')}", depends_on: [one] }\n`,
    );
    const s = fleetInTmux(r.dir, 80, 24);
    const screen = await s.waitFor(/2 merged/);
    expect(screen).toContain('fleet ·');
    expect(screen.split('\n').every((line) => line.length <= 80)).toBe(true);
    s.keys('q');
    const after = await s.waitFor('[exited 0]');
    expect(after).not.toContain('fleet ·'); // the alternate screen is gone
    expect(r.git('show', 'main:two.txt')).toBe('2');
  });

  it('v shows the diff of a task in review; comments written there go to its agent, and it merges', async () => {
    const r = repo({ files: { 'greeting.txt': 'old\n' } });
    writeFleet(
      r.dir,
      `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: greet, run: "${agent('revisable', 'greeting.txt', 'hi', 'hello, world')}" }\n`,
    );
    const s = fleetInTmux(r.dir, 160, 40);
    await s.waitFor(/greet\s+review/);
    s.keys('v');
    await s.waitFor('diff of greet (branch fleet/greet)');
    expect(s.screen()).toMatch(/greeting\.txt \| 2 \+-/);
    s.keys('n', 'n'); // escape's patch, then greeting.txt's
    await s.waitFor('▶ diff --git a/greeting.txt b/greeting.txt');
    s.keys('j', 'j', 'j', 'j', 'j', 'j');
    await s.waitFor('▶ +hi');
    s.keys('c');
    await s.waitFor('comment on greeting.txt:1:');
    s.type('say hello to the world');
    s.keys('Enter');
    await s.waitFor('✎ greeting.txt:1: say hello to the world');
    s.keys('C');
    await s.waitFor('comment on general:');
    s.type('and no symlinks');
    s.keys('Enter');
    await s.waitFor('✎ general: and no symlinks');
    s.keys('s');
    await s.waitFor(/1 merged/);
    const screen = await s.waitFor('greeting.txt:1: say hello to the world');
    expect(screen).toContain('✎ revision 1 sent 2 comments:');
    expect(screen).toContain('general: and no symlinks');
    expect(r.git('show', 'main:greeting.txt')).toBe('hello, world');
    const t = (await lastRun(r.dir)).tasks.greet!;
    expect(t.attempt).toBe(1);
    expect(t.revisions?.[0]?.comments).toEqual([{ path: 'greeting.txt', line: 1, text: 'say hello to the world' }, { text: 'and no symlinks' }]);
    s.keys('q');
    await s.waitFor('[exited 0]');
  });

  it('at 200×50 pauses and resumes output, retries, discards into an archive', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(
      r.dir,
      `version: 1
defaults: { retries: 0 }
tasks:
  - { id: ticker, run: "${agent('tick', flag, 'tick.txt')}" }
  - { id: broken, run: "${agent('fail', '4')}" }
`,
    );
    const s = fleetInTmux(r.dir, 200, 50);
    await s.waitFor(/tick \d+/);

    s.keys('p'); // ticker is selected first
    await s.waitFor(/ticker\s+paused/);
    await new Promise((res) => setTimeout(res, 800)); // lines written just before the stop are still on their way
    const pausedAt = lastTick(s.screen());
    await new Promise((res) => setTimeout(res, 1200));
    expect(lastTick(s.screen())).toBe(pausedAt);
    s.keys('p');
    await s.waitFor(/ticker\s+running/);
    const resumedFrom = lastTick(s.screen());
    await new Promise((res) => setTimeout(res, 1200));
    expect(lastTick(s.screen())).toBeGreaterThan(resumedFrom + 2);

    s.keys('j'); // broken
    await s.waitFor(/broken\s+failed/);
    s.keys('r');
    await s.waitFor('y/N');
    s.keys('y');
    await s.waitFor(/broken · failed · .* attempt 2/);

    s.keys('d');
    await s.waitFor('y/N');
    s.keys('y');
    await s.waitFor(/broken\s+discarded/);
    const state = await lastRun(r.dir);
    expect(state.tasks.broken!.archives).toHaveLength(2);
    for (const ref of state.tasks.broken!.archives) expect(r.git('rev-parse', '--verify', ref)).toMatch(/^[0-9a-f]{40}$/);
    expect(existsSync(join(r.root, 'repo.worktrees', 'broken'))).toBe(false);

    writeFileSync(flag, '');
    await s.waitFor(/1 merged/);
    s.keys('q');
    await s.waitFor('[exited 1]');
  });

  it('opens a shell in the task\'s worktree and comes back to an intact UI', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: ticker, run: "${agent('tick', flag, 'tick.txt')}" }\n`);
    const s = fleetInTmux(r.dir, 100, 30, { SHELL: '/bin/sh', PS1: 'SHELL> ' });
    await s.waitFor(/tick \d+/);
    s.keys('o');
    await s.waitFor('SHELL>');
    s.type('pwd; echo "from the shell" > note.txt');
    s.keys('Enter');
    await s.waitFor(join(r.root, 'repo.worktrees', 'ticker'));
    s.type('exit');
    s.keys('Enter');
    await s.waitFor(/fleet · repo/);
    await s.waitFor(/tick \d+/);
    writeFileSync(flag, '');
    await s.waitFor(/1 merged/);
    expect(r.git('show', 'main:note.txt')).toBe('from the shell');
    s.keys('q');
    await s.waitFor('[exited 0]');
  });

  it('survives a dropped connection: the engine goes on and `fleet attach` brings the UI back', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: ticker, run: "${agent('tick', flag, 'tick.txt')}" }\n`);
    const first = fleetInTmux(r.dir, 100, 30);
    await first.waitFor(/tick \d+/);
    first.kill(); // the terminal is gone, as when an SSH connection drops
    await new Promise((res) => setTimeout(res, 500));
    const { execFileSync } = await import('node:child_process');
    const status = execFileSync('node', [CLI, 'status'], { cwd: r.dir, encoding: 'utf8' });
    expect(status).toMatch(/live: pid \d+/);
    expect(status).toMatch(/ticker\s+running/);

    const second = new TmuxSession(['node', CLI, 'attach'], {
      cwd: r.dir,
      cols: 100,
      rows: 30,
      env: Object.fromEntries(['HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM', 'PATH'].map((k) => [k, process.env[k] ?? ''])),
    });
    sessions.push(second);
    await second.waitFor(/ticker\s+running/);
    await second.waitFor(/tick \d+/);
    writeFileSync(flag, '');
    await second.waitFor(/1 merged/);
    second.keys('q');
    await second.waitFor('[exited 0]');
    expect(r.git('show', 'main:tick.txt')).toBe('done');
  });
});
