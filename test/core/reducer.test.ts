import { describe, expect, it } from 'vitest';
import type { FleetEvent, TaskInfo } from '../../source/core/events.js';
import { emptyRun, reduce, replay } from '../../source/core/state.js';
import { blockedBy, isSettled, readyTasks, runExitCode, taskStatus } from '../../source/core/selectors.js';

const info = (key: string, ...dependsOn: string[]): TaskInfo => ({
  key, id: key, project: 'repo', title: key, dependsOn, agent: 'run', base: 'main', retries: 0,
});
let clock = 0;
const ev = (e: Record<string, unknown>) => ({ at: ++clock, ...e }) as FleetEvent;
const added = (...tasks: TaskInfo[]) => tasks.map((task) => ev({ type: 'task_added', task }));

describe('reducer', () => {
  it('walks a task through its lifecycle to merged', () => {
    const s = replay([
      ev({ type: 'run_started', runId: 'r1', file: '/f', resumed: false, pid: 1 }),
      ...added(info('a')),
      ev({ type: 'attempt_started', key: 'a', attempt: 1 }),
      ev({ type: 'worktree_ready', key: 'a', attempt: 1, path: '/w/a', branch: 'fleet/a', baseSha: 'b0' }),
      ev({ type: 'agent_started', key: 'a', attempt: 1, pid: 42, slot: 0, port: 41000 }),
      ev({ type: 'agent_exited', key: 'a', attempt: 1, exitCode: 0, signal: null }),
      ev({ type: 'check_started', key: 'a', attempt: 1, tip: 't1' }),
      ev({ type: 'check_passed', key: 'a', attempt: 1, tip: 't1' }),
      ev({ type: 'merge_started', key: 'a', base: 'main' }),
      ev({ type: 'task_merged', key: 'a', commit: 'm1', base: 'main' }),
      ev({ type: 'cleanup_done', key: 'a' }),
    ]);
    const a = s.tasks.a!;
    expect(a.state).toBe('merged');
    expect(a.mergedCommit).toBe('m1');
    expect(a.worktree).toBeUndefined();
    expect(a.cleanupPending).toBeUndefined();
    expect(runExitCode(s)).toBe(0);
  });

  it('starts a dependent only after its dependency merged', () => {
    let s = replay([...added(info('a'), info('b', 'a'))]);
    expect(readyTasks(s).map((t) => t.key)).toEqual(['a']);
    expect(taskStatus(s, 'b')).toBe('pending');
    s = reduce(s, ev({ type: 'task_merged', key: 'a', commit: 'm', base: 'main' }));
    expect(readyTasks(s).map((t) => t.key)).toEqual(['b']);
    expect(taskStatus(s, 'b')).toBe('ready');
  });

  it('blocks dependents transitively behind a review, naming the root, and unblocks on merge', () => {
    let s = replay([
      ...added(info('a'), info('b', 'a'), info('c', 'b'), info('d')),
      ev({ type: 'review', key: 'a', reason: 'conflict', message: 'conflict', paths: ['x'], tail: '' }),
    ]);
    expect(taskStatus(s, 'b')).toBe('blocked');
    expect(blockedBy(s, 'c')).toBe('a');
    expect(readyTasks(s).map((t) => t.key)).toEqual(['d']);
    s = reduce(s, ev({ type: 'task_requeued', key: 'a' }));
    s = reduce(s, ev({ type: 'task_merged', key: 'a', commit: 'm', base: 'main' }));
    expect(taskStatus(s, 'b')).toBe('ready');
    expect(blockedBy(s, 'c')).toBeUndefined();
  });

  it('is settled when only held or blocked tasks remain', () => {
    let s = replay([...added(info('a'), info('b', 'a'), info('c', 'a'), info('d', 'b', 'c'))]);
    expect(isSettled(s)).toBe(false);
    s = reduce(s, ev({ type: 'task_paused', key: 'a' }));
    expect(taskStatus(s, 'a')).toBe('paused');
    expect(isSettled(s)).toBe(true);
    s = reduce(s, ev({ type: 'task_resumed', key: 'a' }));
    expect(isSettled(s)).toBe(false);
  });

  it('keeps the task in its state while a retry follows, and fails it when none does', () => {
    let s = replay([...added(info('a')), ev({ type: 'attempt_started', key: 'a', attempt: 1 })]);
    s = reduce(s, ev({ type: 'attempt_failed', key: 'a', attempt: 1, phase: 'check', message: 'check failed', tail: 'x', willRetry: true }));
    expect(s.tasks.a!.state).toBe('preparing');
    s = reduce(s, ev({ type: 'attempt_started', key: 'a', attempt: 2 }));
    expect(s.tasks.a!.failure).toBeUndefined();
    s = reduce(s, ev({ type: 'attempt_failed', key: 'a', attempt: 2, phase: 'agent', message: 'exit 3', tail: '', willRetry: false }));
    expect(s.tasks.a!.state).toBe('failed');
    expect(runExitCode(s)).toBe(1);
  });

  it('ignores events about tasks it does not know', () => {
    const s = emptyRun('r', '/f');
    expect(reduce(s, ev({ type: 'task_merged', key: 'ghost', commit: 'm', base: 'main' }))).toBe(s);
  });

  it('records archives on discard and accept', () => {
    const s = replay([
      ...added(info('a'), info('b', 'a')),
      ev({ type: 'task_accepted', key: 'a', archiveRef: 'refs/fleet/archive/a/r-1' }),
    ]);
    expect(s.tasks.a!.archives).toEqual(['refs/fleet/archive/a/r-1']);
    expect(taskStatus(s, 'b')).toBe('ready');
  });

  it('marks a batch and its bisection on its own tasks only, leaving every other record as it was', () => {
    const before = replay([...added(info('a'), info('b'), info('c')), ev({ type: 'check_passed', key: 'c', attempt: 1, tip: 't' })]);
    const batch = { project: 'repo', batch: 1, base: 'main', onto: 'b0', tip: 't1', keys: ['a', 'b', 'ghost'], gate: true, speculative: false };
    const started = reduce(before, ev({ type: 'batch_started', ...batch }));
    expect(started.tasks.a).toMatchObject({ state: 'merging', batch: { id: 1, size: 3, step: 'gating' } });
    expect(started.tasks.b).toMatchObject({ state: 'merging', batch: { id: 1, step: 'gating' } });
    expect(started.tasks.c).toBe(before.tasks.c);
    expect(started.tasks.ghost).toBeUndefined();

    const step = reduce(started, ev({ type: 'bisect_step', project: 'repo', batch: 1, step: 'prefix', tested: ['a'], passed: false }));
    expect(step.tasks.a!.batch).toEqual({ id: 1, size: 3, step: 'bisecting', testing: 1 });
    expect(step.tasks.c).toBe(before.tasks.c);
    const otherBatch = reduce(step, ev({ type: 'bisect_step', project: 'repo', batch: 2, step: 'prefix', tested: ['x'], passed: true }));
    expect(otherBatch).toBe(step);
  });
});
