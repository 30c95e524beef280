import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';
import { startFleet } from '../helpers/cli-process.js';
import { jsonEvents } from '../helpers/stub-agents.js';

const repo = tempRepos();

/**
 * t0 lands at once; the others wait for a flag the test sets once t0 is on base, so each of them
 * needs a gate (base moved since it branched). The first gate run (or every run holding more than
 * one task) is slow, so whatever arrives first, all the others are queued when it ends. Tasks of
 * the failing pair finish half a second later, so they never arrive first.
 */
function setup(r: TempRepo, ids: string[], together: string[], slow: 'first' | 'multi' | 'first-multi') {
  const log = join(r.root, 'gates.log');
  const flag = join(r.root, 'go');
  const check = agent('gate-check', log, together.join(' '), '3', slow);
  const run = (id: string) =>
    id === 't0' ? agent('edit', 't0.txt', 'zero', '0') : `${agent('wait-for', flag, `${id}.txt`)}${together.includes(`${id}.txt`) ? ' && sleep 0.5' : ''}`;
  const line = (id: string) => `  - { id: ${id}, run: "${run(id).replace(/"/g, '\\"')}", check: "${check}" }`;
  writeFleet(r.dir, `version: 1\nconcurrency: 8\nqueue: { batch: 16, gates: 1 }\ndefaults: { retries: 0 }\ntasks:\n${ids.map(line).join('\n')}\n`);
  return {
    log,
    gateRuns: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
    /** Sets the flag once t0 is on base. */
    async release() {
      for (let i = 0; i < 1200 && !r.git('log', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').includes('t0'); i++) {
        await new Promise((res) => setTimeout(res, 25));
      }
      writeFileSync(flag, '');
    },
  };
}

/** Every value base ever held (its reflog) is a tree some check passed on, or the first commit. */
function expectOnlyTestedTrees(r: TempRepo, log: string): void {
  const passed = new Set(readFileSync(`${log}.passed`, 'utf8').trim().split('\n'));
  const values = r.git('reflog', 'show', '--format=%H', 'refs/heads/main').split('\n').filter(Boolean);
  const first = values.pop()!;
  for (const commit of values) expect(passed.has(r.git('rev-parse', `${commit}^{tree}`)), `${commit} was never tested`).toBe(true);
  expect(first).toBe(r.git('rev-list', '--max-parents=0', 'main'));
}

/** One first-parent commit per merged task on base, each with its trailer, and nothing left behind. */
function expectMergedOnce(r: TempRepo, ids: string[]): void {
  const trailers = r.git('log', '--first-parent', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').split('\n').filter(Boolean);
  for (const id of ids) expect(trailers.filter((t) => t === id), id).toHaveLength(1);
  expect(r.git('branch', '--list', 'fleet/*')).toBe('');
  expect(r.git('worktree', 'list').split('\n')).toHaveLength(1);
  r.git('fsck', '--strict', '--no-progress');
}

describe('the merge queue in batches', () => {
  it('gates the tasks queued together once, and each keeps its own commit in order', async () => {
    const r = repo();
    const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6'];
    const { log, gateRuns, release } = setup(r, ids, [], 'first');
    const running = runFleet(r.dir);
    await release();
    const result = await running;
    expect(result.code, result.out + result.err).toBe(0);
    // The first batch waits for the tasks still checking, or is gated (slowly) while they queue:
    // at most one more run for all the others, where a serial queue would run six.
    const runs = gateRuns();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(runs.flatMap((r) => r.split(' ')).sort()).toEqual(ids.slice(1));
    expectMergedOnce(r, ids);
    expectOnlyTestedTrees(r, log);
    // Base's first-parent order is queue order: each gate run's tasks, one commit each, in turn.
    const order = r.git('log', '--first-parent', '--reverse', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').split('\n').filter(Boolean);
    expect(order).toEqual(['t0', ...runs.flatMap((r) => r.split(' '))]);
  });

  it('bisects a failing batch: the pair that breaks only together is found, the rest merges', async () => {
    const r = repo();
    const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
    const { log, gateRuns, release } = setup(r, ids, ['t3.txt', 't6.txt'], 'first');
    const running = runFleet(r.dir, { json: true });
    await release();
    const result = await running;
    expect(result.code, result.out + result.err).toBe(1);
    const state = await lastRun(r.dir);
    const reviewed = ['t3', 't6'].filter((id) => state.tasks[id]!.state === 'review');
    expect(reviewed).toHaveLength(1);
    const culprit = reviewed[0]!;
    const partner = culprit === 't3' ? 't6' : 't3';
    expect(state.tasks[culprit]!.review!.message).toContain(`together with ${partner}`);
    expect(state.tasks[culprit]!.review!.tail).toContain('broken: t3.txt t6.txt together');
    const merged = ids.filter((id) => id !== culprit);
    for (const id of merged) expect(state.tasks[id]!.state, id).toBe('merged');
    // The first arrival's run, then for the batch holding the pair (at most 6): 2⌈log₂ 6⌉ + 1.
    expect(gateRuns().length).toBeLessThanOrEqual(1 + 7);
    const events = jsonEvents(result.out);
    expect(events.some((e) => e.type === 'batch_result')).toBe(true);
    expect(events.filter((e) => e.type === 'bisect_step').length).toBeGreaterThan(0);
    expectOnlyTestedTrees(r, log);
    const trailers = r.git('log', '--first-parent', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').split('\n').filter(Boolean);
    expect(trailers.sort()).toEqual(merged.sort());
  });

  it('lets the agent repair a failed gate when asked, and gates its fix again', async () => {
    const r = repo();
    const log = join(r.root, 'gates.log');
    const flag = join(r.root, 'go');
    const check = agent('gate-check', log, 't1.txt t2.txt');
    // t2 finishes once t1 is on base, so its gate fails (t1 and t2 break together) and its agent repairs.
    const t2 = `${agent('wait-for', flag, '/dev/null')} && ${agent('repair', 't2.txt', 't2-fixed.txt')}`.replace(/"/g, '\\"');
    writeFleet(
      r.dir,
      `version: 1\nconcurrency: 4\ndefaults: { retries: 1, check: "${check}" }\ntasks:\n` +
        `  - { id: t1, run: "${agent('edit', 't1.txt', 'one', '0')}" }\n` +
        `  - { id: t2, run: "${t2}", on_gate_failure: agent }\n`,
    );
    const running = runFleet(r.dir);
    for (let i = 0; i < 1200 && !r.git('log', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').includes('t1'); i++) {
      await new Promise((res) => setTimeout(res, 25));
    }
    writeFileSync(flag, '');
    const result = await running;
    expect(result.code, result.out + result.err).toBe(0);
    const state = await lastRun(r.dir);
    expect(state.tasks.t2!.state).toBe('merged');
    expect(r.git('show', 'main:t2-fixed.txt')).toBe('fixed');
    expect(() => r.git('show', 'main:t2.txt')).toThrow();
    // Its first gate run failed, the confirming run failed, the repaired tree passed.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['t2', 't2', 't2']);
    expectOnlyTestedTrees(r, log);
    expectMergedOnce(r, ['t1', 't2']);
  });
});

describe('a fleet killed with -9 in the merge queue', () => {
  for (const moment of ['batch gate', 'bisection'] as const) {
    it(`during a ${moment} resumes: each task merges once, base held only tested trees`, async () => {
      const r = repo();
      const ids = ['t0', 't1', 't2', 't3', 't4', 't5'];
      const together = moment === 'bisection' ? ['t2.txt', 't4.txt'] : [];
      // A slow first gate, even of one task, lets the rest queue behind it: on a loaded machine they
      // may finish one by one, and a batch of several is what this test kills.
      const { log, gateRuns, release } = setup(r, ids, together, 'first-multi');
      const first = startFleet(r.dir);
      await release();
      // Killed while a gate holding several tasks runs: the batch's own (batch gate) or a later one (bisection).
      const multi = () => gateRuns().filter((l) => l.includes(' ')).length;
      const wanted = moment === 'bisection' ? 2 : 1;
      for (let i = 0; i < 1200 && multi() < wanted; i++) await new Promise((res) => setTimeout(res, 25));
      expect(multi(), gateRuns().join('|')).toBeGreaterThanOrEqual(wanted);
      first.child.kill('SIGKILL');
      await first.exit;

      const second = startFleet(r.dir);
      const code = await second.exit;
      const state = await lastRun(r.dir);
      const reviewed = ids.filter((id) => state.tasks[id]!.state === 'review');
      expect(code, second.out()).toBe(reviewed.length > 0 ? 1 : 0);
      expect(reviewed).toHaveLength(together.length > 0 ? 1 : 0);
      const merged = ids.filter((id) => !reviewed.includes(id));
      for (const id of merged) expect(state.tasks[id]!.state, id).toBe('merged');
      const trailers = r.git('log', '--first-parent', '--format=%(trailers:key=Fleet-Task,valueonly)', 'main').split('\n').filter(Boolean);
      expect(trailers.sort()).toEqual(merged.sort());
      expectOnlyTestedTrees(r, log);
      r.git('fsck', '--strict', '--no-progress');
      expect(r.git('worktree', 'list').split('\n').length).toBe(1 + reviewed.length);
    });
  }
});
