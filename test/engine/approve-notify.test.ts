import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';
import { startHookNotices } from '../../source/engine/notify-hook.js';
import { Store } from '../../source/engine/store.js';
import type { FleetEvent } from '../../source/core/events.js';

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

  it('a hook that hangs is stopped after its timeout and logged; closing waits for no more than that', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-hook-'));
    try {
      const store = new Store(undefined, undefined);
      const warnings: string[] = [];
      const hooks = startHookNotices(store, { command: 'echo started; sleep 600', runId: 'r1', cwd: dir, runDir: dir, warn: (l) => warnings.push(l), timeoutMs: 300 });
      const events: FleetEvent[] = [
        { type: 'run_started', at: 1, runId: 'r1', file: '/f', resumed: false, pid: 1 },
        { type: 'run_stopped', at: 2, reason: 'finished', exitCode: 0 },
      ];
      for (const e of events) store.dispatch(e);
      await hooks.close();
      expect(warnings).toEqual([`fleet: notify.command did not finish within 0.3s and was stopped; see ${join(dir, 'notify.log')}`]);
      const log = readFileSync(join(dir, 'notify.log'), 'utf8');
      expect(log).toContain('run_end: fleet run r1 ended (finished): 0 of 0 merged');
      expect(log).toContain('started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
