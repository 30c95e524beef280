import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';
import { isRunning, startFleet } from '../helpers/cli-process.js';

const repo = tempRepos();

describe('a fleet killed with -9', () => {
  it('leaves its agent running, and the next run adopts it instead of starting another', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: long, run: "${agent('wait-for', flag, 'long.txt')}" }\n`);
    const first = startFleet(r.dir);
    await first.waitFor('long: running (pid ');
    const agentPid = Number(/long: running \(pid (\d+)/.exec(first.out())![1]);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe(-9);
    expect(isRunning(agentPid)).toBe(true);

    const second = startFleet(r.dir);
    await second.waitFor(`long: running (pid ${agentPid}`);
    writeFileSync(flag, '');
    expect(await second.exit).toBe(0);
    const t = (await lastRun(r.dir)).tasks.long!;
    expect(t.state).toBe('merged');
    expect(t.attempt).toBe(1);
    expect(r.git('show', 'main:long.txt')).toBe('done');
    expect(isRunning(agentPid)).toBe(false);
  });

  it('collects the exit status of an agent that finished while fleet was down', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: quick, run: "${agent('wait-for', flag, 'quick.txt')}" }\n`);
    const first = startFleet(r.dir);
    await first.waitFor('quick: running (pid ');
    const agentPid = Number(/quick: running \(pid (\d+)/.exec(first.out())![1]);
    first.child.kill('SIGKILL');
    await first.exit;
    writeFileSync(flag, '');
    for (let i = 0; i < 100 && isRunning(agentPid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(isRunning(agentPid)).toBe(false);

    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(result.out).not.toContain('waiting for'); // the agent did not run again
    expect(r.git('show', 'main:quick.txt')).toBe('done');
  });
});

describe('chaos: ten kill -9 at random moments of a 20-task run', () => {
  it('ends with every task merged exactly once, nothing left behind, the user\'s checkout untouched', async () => {
    const r = repo({ files: { 'README.md': 'readme\n', 'notes.md': 'notes\n' } });
    r.write('notes.md', 'my uncommitted notes\n');
    r.write('scratch.txt', 'untracked\n');
    const ids = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const tasks = ids
      .map((id, i) => {
        const deps = i >= 5 ? `, depends_on: [${ids[i - 5]}]` : '';
        return `  - { id: ${id}, run: "${agent('edit', `${id}.txt`, `content of ${id}`, '0.2')}"${deps} }`;
      })
      .join('\n');
    writeFleet(r.dir, `version: 1\nconcurrency: 4\ndefaults: { retries: 3, check: "true" }\ntasks:\n${tasks}\n`);

    let seed = Number(process.env.CHAOS_SEED ?? 7);
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let kill = 0; kill < 10; kill++) {
      const run = startFleet(r.dir);
      await new Promise((res) => setTimeout(res, 150 + random() * 900));
      if (run.child.exitCode !== null) break;
      run.child.kill('SIGKILL');
      await run.exit;
    }
    let code: number | null = null;
    let last = '';
    for (let i = 0; i < 5 && code !== 0; i++) {
      const run = startFleet(r.dir);
      code = await run.exit;
      last = run.out();
    }
    expect(code, last).toBe(0);

    const log = r.git('log', '--first-parent', '--format=%B%x00', 'main');
    for (const id of ids) {
      expect(log.split('\0').filter((m) => m.includes(`Fleet-Task: ${id}\n`) || m.trimEnd().endsWith(`Fleet-Task: ${id}`))).toHaveLength(1);
      expect(r.git('show', `main:${id}.txt`)).toBe(`content of ${id}`);
    }
    expect(r.git('ls-tree', '--name-only', 'main').split('\n').sort()).toEqual(['README.md', 'notes.md', ...ids.map((id) => `${id}.txt`)].sort());
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(existsSync(join(r.dir, '.git', 'fleet', 'lock'))).toBe(false);
    r.git('fsck', '--strict', '--no-progress');
    expect(r.read('notes.md')).toBe('my uncommitted notes\n');
    expect(r.read('scratch.txt')).toBe('untracked\n');
    const state = await lastRun(r.dir);
    expect(ids.every((id) => state.tasks[id]!.state === 'merged')).toBe(true);
  }, 180_000);
});

describe('the repository lock', () => {
  it('is taken over from a dead owner, with a notice, and released at the end', async () => {
    const { mkdirSync } = await import('node:fs');
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    mkdirSync(join(r.dir, '.git', 'fleet'), { recursive: true });
    const lock = join(r.dir, '.git', 'fleet', 'lock');
    // A pid that cannot be alive (above the kernel's pid_max) stands for a crashed fleet.
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 7, startTime: '1', host: (await import('node:os')).hostname(), file: 'x', runId: 'old', stateDir: 'x', at: 0 }));
    const result = await runFleet(r.dir);
    expect(result.code, result.err).toBe(0);
    expect(result.err).toContain(`took over the stale lock of pid ${2 ** 22 + 7} (run old)`);
    expect(existsSync(lock)).toBe(false);
  });
});
