// Warm worktrees (docs/design.md#warm-worktrees): made for ready tasks while every slot is busy,
// taken by their attempts, released when none takes them — also across a crash.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../source/core/events.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { fleetCli, lastJournal, lastRun, runFleet, until } from '../helpers/fleet.js';
import { checkedOut, plain, warmRuns } from '../helpers/warm.js';

const repo = tempRepos();

const { oneSlot, started, spawned } = warmRuns();

/** A run killed with -9 while `first` holds the one slot and b waits in its warm worktree. */
async function killedWithWarm(...others: string[]): Promise<{ r: TempRepo; flag: string }> {
  const r = repo();
  const flag = oneSlot(r, others);
  const first = spawned(r);
  await first.waitFor('first: running');
  await until('the warm worktree of b', () => checkedOut(r, 'fleet/b'));
  first.child.kill('SIGKILL');
  await first.exit;
  return { r, flag };
}

function nothingLeft(r: TempRepo): void {
  expect(r.git('for-each-ref', 'refs/heads/fleet/', 'refs/fleet/*/base/')).toBe('');
  expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  r.git('fsck', '--strict', '--no-progress');
}

describe('warm worktrees', () => {
  it('are made while the slot is busy and brought up to base\'s tip when their task starts', async () => {
    const r = repo();
    // `second` fails unless its worktree holds what landed on main after it was warmed.
    const flag = oneSlot(r, [`  - { id: second, run: "test -f outside.txt && echo 2 > second.txt" }`]);
    const run = started(r);
    await run.seen;
    await until('the warm worktree of second', () => checkedOut(r, 'fleet/second'));
    const warmedOn = r.git('rev-parse', 'main');
    r.write('outside.txt', 'landed meanwhile\n');
    r.commitAll('the user commits on main');
    writeFileSync(flag, '');
    expect(await run.done, run.out.text).toBe(0);

    const events = await lastJournal(r.dir);
    const types = events.filter((e) => 'key' in e && e.key === 'second').map((e) => e.type);
    expect(types.indexOf('worktree_warming')).toBeLessThan(types.indexOf('attempt_started'));
    const ready = events.find((e) => e.type === 'worktree_ready' && e.key === 'second') as Extract<FleetEvent, { type: 'worktree_ready' }>;
    expect(ready.baseSha).not.toBe(warmedOn);
    expect(r.git('merge-base', '--is-ancestor', r.git('log', '-1', '--format=%H', '--grep', 'the user commits'), ready.baseSha)).toBe('');
    expect(r.git('show', 'main:second.txt')).toBe('2');
    expect((await lastRun(r.dir)).tasks.second!.state).toBe('merged');
    nothingLeft(r);
  });

  it('is removed with its branch when its task is cancelled or discarded before it starts', async () => {
    const r = repo();
    const flag = oneSlot(r, [plain('b'), plain('c')]);
    const run = started(r);
    await run.seen;
    // As many wait warm as there are slots: c gets one once b's is gone.
    await until('the warm worktree of b', () => checkedOut(r, 'fleet/b'));
    expect(checkedOut(r, 'fleet/c')).toBe(false);
    expect((await fleetCli(r.dir, 'cancel', 'b')).code).toBe(0);
    await until('the warm worktree of c', () => checkedOut(r, 'fleet/c'));
    expect((await fleetCli(r.dir, 'discard', 'c')).code).toBe(0);
    expect(checkedOut(r, 'fleet/b') || checkedOut(r, 'fleet/c')).toBe(false);
    writeFileSync(flag, '');
    await run.done;
    const state = await lastRun(r.dir);
    expect([state.tasks.b!.state, state.tasks.c!.state]).toEqual(['cancelled', 'discarded']);
    expect(state.tasks.b!.warm).toBeUndefined();
    nothingLeft(r);
  });

  it('is released when the run is interrupted, and the next run starts the task afresh', async () => {
    const r = repo();
    const flag = oneSlot(r, [plain('b')]);
    const run = started(r);
    await run.seen;
    await until('the warm worktree of b', () => checkedOut(r, 'fleet/b'));
    run.abort.abort();
    await run.done;
    expect(checkedOut(r, 'fleet/b')).toBe(false);
    expect(r.git('for-each-ref', 'refs/heads/fleet/b')).toBe('');
    writeFileSync(flag, '');
    expect((await runFleet(r.dir)).code).toBe(0);
    expect(r.git('show', 'main:b.txt')).toBe('b');
    nothingLeft(r);
  });

  it('left by a kill -9 is released by the next run, which merges every task exactly once', async () => {
    const { r, flag } = await killedWithWarm(plain('b'), plain('c'));
    writeFileSync(flag, '');
    const second = spawned(r);
    expect(await second.exit, second.out()).toBe(0);
    const log = r.git('log', '--first-parent', '--format=%B', 'main');
    for (const id of ['first', 'b', 'c']) expect(log.split(`Fleet-Task: ${id}\n`)).toHaveLength(2);
    const released = (await lastJournal(r.dir)).filter((e) => e.type === 'worktree_released').map((e) => (e as { key: string }).key);
    expect(released).toEqual(['b']);
    nothingLeft(r);
  });

  it('left by a kill -9 is a leftover `fleet clean` removes; the run then resumes without it', async () => {
    const { r, flag } = await killedWithWarm(plain('b'));
    const clean = await fleetCli(r.dir, 'clean');
    expect(clean.code, clean.out + clean.err).toBe(0);
    expect(checkedOut(r, 'fleet/b')).toBe(false);
    expect(checkedOut(r, 'fleet/first')).toBe(true); // a started attempt is kept for the resume
    writeFileSync(flag, '');
    expect((await runFleet(r.dir)).code).toBe(0);
    expect(r.git('show', 'main:b.txt')).toBe('b');
    nothingLeft(r);
  });

  it('left by a kill -9 goes when `--fresh` supersedes the run: the new run\'s first attempt finds the way clear', async () => {
    const { r, flag } = await killedWithWarm(plain('b'));
    writeFileSync(flag, '');
    const fresh = spawned(r, '--fresh');
    expect(await fresh.exit, fresh.out()).toBe(0);
    const state = await lastRun(r.dir);
    expect([state.tasks.b!.state, state.tasks.b!.attempt]).toEqual(['merged', 1]);
    expect(r.git('for-each-ref', 'refs/fleet/archive/b/')).toBe(''); // nothing was written in it to keep
    nothingLeft(r);
  });
});
