import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

/** Each line the hook wrote: FLEET_EVENT|FLEET_TASK_ID|FLEET_STATE|FLEET_RUN_ID|FLEET_MESSAGE. */
const HOOK = `printf '%s|%s|%s|%s|%s\\n' "$FLEET_EVENT" "$FLEET_TASK_ID" "$FLEET_STATE" "$FLEET_RUN_ID" "$FLEET_MESSAGE" >> "$HOOK_FILE"`;

function hookLines(file: string): string[][] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('|')) : [];
}

describe('approval', () => {
  it('holds a passing task out of the merge queue until `fleet approve`; a headless run stops with exit 1', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1\ntasks:\n  - { id: gated, run: "${agent('edit', 'gated.txt', 'g')}", approve: true, check: "test -f gated.txt" }\n  - { id: after, run: "${agent('edit', 'after.txt', 'a')}", depends_on: [gated] }\n`,
    );
    const first = await runFleet(r.dir);
    expect(first.code, first.out).toBe(1);
    const held = await lastRun(r.dir);
    expect(held.tasks.gated!.state).toBe('awaiting_approval');
    expect(held.tasks.after!.state).toBe('pending');
    expect(() => r.git('show', 'main:gated.txt')).toThrow();

    const early = await fleetCli(r.dir, 'approve', 'after');
    expect(early.code).toBe(2);
    expect(early.err).toContain('cannot approve after: only a task awaiting approval can be approved; it is pending');

    const recorded = await fleetCli(r.dir, 'approve', 'gated');
    expect(recorded.code, recorded.err).toBe(0);
    expect(recorded.out).toContain('recorded: approve gated');
    const second = await runFleet(r.dir);
    expect(second.code, second.out).toBe(0);
    const state = await lastRun(r.dir);
    expect(state.tasks.gated!.state).toBe('merged');
    expect(state.tasks.after!.state).toBe('merged');
    expect(r.git('show', 'main:gated.txt')).toBe('g');
  });

  it('a live run lets an approved task in at once', async () => {
    const r = repo();
    const flag = join(r.root, 'go');
    writeFleet(
      r.dir,
      `version: 1\ntasks:\n  - { id: gated, run: "${agent('edit', 'gated.txt', 'g')}", approve: true }\n  - { id: slow, run: "${agent('wait-for', flag, 'slow.txt')}" }\n`,
    );
    const run = startRun(r.dir, 'awaiting approval');
    await run.seen;
    const approved = await fleetCli(r.dir, 'approve', 'gated');
    expect(approved.out).toContain('gated approved: it joins the merge queue');
    writeFileSync(flag, '');
    expect(await run.done).toBe(0);
    expect(r.git('show', 'main:gated.txt')).toBe('g');
  });
});

describe('notify.command', () => {
  it('fires once for a burst of tasks needing you and once at the run end, with no UI attached', async () => {
    const r = repo();
    const go = join(r.root, 'go');
    const hookFile = join(r.root, 'hook.txt');
    // Each task waits for the same flag and then changes nothing in the repository: three reviews at once.
    const tasks = ['a', 'b', 'c'].map((id) => `  - { id: ${id}, run: "${agent('wait-for', go, join(r.root, `out-${id}`))}" }`);
    writeFleet(r.dir, `version: 1\nconcurrency: 3\nnotify:\n  command: ${JSON.stringify(HOOK)}\ntasks:\n${tasks.join('\n')}\n`);
    process.env.HOOK_FILE = hookFile;
    try {
      const run = startRun(r.dir, 'waiting for');
      await run.seen;
      writeFileSync(go, '');
      expect(await run.done).toBe(1);
    } finally {
      delete process.env.HOOK_FILE;
    }
    const state = await lastRun(r.dir);
    const lines = hookLines(hookFile);
    expect(lines.map((l) => l[0]).sort()).toEqual(['needs_you', 'run_end']);
    const burst = lines.find((l) => l[0] === 'needs_you')!;
    expect(burst[1]!.split(' ').sort()).toEqual(['a', 'b', 'c']);
    expect(burst[2]).toBe('review review review');
    expect(burst[3]).toBe(state.runId);
    expect(burst[4]).toMatch(/^3 tasks need you: /);
    expect(lines.find((l) => l[0] === 'run_end')!.slice(2, 5)).toEqual(['idle', state.runId, `fleet run ${state.runId} ended (idle): 0 of 3 merged, 3 need you`]);
  });

  it('a failing hook is logged and the run goes on as without it', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nnotify: { command: "echo broken hook; exit 3" }\ntasks:\n  - { id: a, run: "${agent('nothing')}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/notify\.command failed \(exit 3\); see .*notify\.log/);
    const log = /see (\S+notify\.log)/.exec(result.err)![1]!;
    expect(readFileSync(log, 'utf8')).toContain('broken hook');
  });
});
