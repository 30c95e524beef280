import { describe, expect, it } from 'vitest';
import { appliesTo, disabledReason, refusal, TASK_ACTIONS, type TaskAction } from '../../source/core/actions.js';
import type { ReviewReason } from '../../source/core/events.js';
import { STORED_STATES } from '../../source/core/selectors.js';
import { emptyRun, type RunState, type StoredState, type TaskRecord } from '../../source/core/state.js';

function record(key: string, state: StoredState, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    key, id: key, project: 'repo', title: key, dependsOn: [], agent: 'run', base: 'main', retries: 0,
    state, paused: false, attempt: state === 'pending' ? 0 : 1, since: 0, archives: [], ...extra,
  } as TaskRecord;
}

function runOf(...tasks: TaskRecord[]): RunState {
  return { ...emptyRun('r1', '/f'), order: tasks.map((t) => t.key), tasks: Object.fromEntries(tasks.map((t) => [t.key, t])) };
}

const inReview = (reason: ReviewReason) => ({ review: { reason, message: 'm', paths: [], tail: '' } });

/** One row per state: what each action answers there (undefined: it applies). */
const TABLE: Record<StoredState, Record<TaskAction, string | undefined>> = {
  pending: {
    retry: 'it has not run yet',
    requeue: 'only a task in review or cancelled can be requeued; it is ready',
    resolve: 'only a task in review for a conflict can be resolved; it is ready',
    accept: 'only a task in review, failed or cancelled can be accepted; it is ready',
    discard: undefined, cancel: undefined, pause: undefined, resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is ready',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is ready',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is ready',
  },
  preparing: {
    retry: 'it is preparing',
    requeue: 'only a task in review or cancelled can be requeued; it is preparing',
    resolve: 'only a task in review for a conflict can be resolved; it is preparing',
    accept: 'only a task in review, failed or cancelled can be accepted; it is preparing',
    discard: undefined, cancel: undefined, pause: undefined, resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is preparing',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is preparing',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is preparing',
  },
  running: {
    retry: 'it is running',
    requeue: 'only a task in review or cancelled can be requeued; it is running',
    resolve: 'only a task in review for a conflict can be resolved; it is running',
    accept: 'only a task in review, failed or cancelled can be accepted; it is running',
    discard: undefined, cancel: undefined, pause: undefined, resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is running',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is running',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is running',
  },
  checking: {
    retry: 'it is checking',
    requeue: 'only a task in review or cancelled can be requeued; it is checking',
    resolve: 'only a task in review for a conflict can be resolved; it is checking',
    accept: 'only a task in review, failed or cancelled can be accepted; it is checking',
    discard: undefined, cancel: undefined, pause: undefined, resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is checking',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is checking',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is checking',
  },
  queued: {
    retry: 'it is queued',
    requeue: 'only a task in review or cancelled can be requeued; it is queued',
    resolve: 'only a task in review for a conflict can be resolved; it is queued',
    accept: 'only a task in review, failed or cancelled can be accepted; it is queued',
    discard: undefined, cancel: undefined, pause: undefined, resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is queued',
    pick: 'it does not run as candidates',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is queued',
  },
  merging: {
    retry: 'it is merging',
    requeue: 'only a task in review or cancelled can be requeued; it is merging',
    resolve: 'only a task in review for a conflict can be resolved; it is merging',
    accept: 'only a task in review, failed or cancelled can be accepted; it is merging',
    discard: 'it is merging',
    cancel: 'it is being merged right now; wait for the merge to finish or fail',
    pause: 'it is merging',
    resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is merging',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is merging',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is merging',
  },
  merged: {
    retry: 'it is already merged',
    requeue: 'only a task in review or cancelled can be requeued; it is merged',
    resolve: 'only a task in review for a conflict can be resolved; it is merged',
    accept: 'only a task in review, failed or cancelled can be accepted; it is merged',
    discard: 'it is merged', cancel: 'it is merged', pause: 'it is merged', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is merged',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is merged',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is merged',
  },
  failed: {
    retry: undefined,
    requeue: 'only a task in review or cancelled can be requeued; it is failed',
    resolve: 'only a task in review for a conflict can be resolved; it is failed',
    accept: undefined, discard: undefined,
    cancel: 'it is failed', pause: 'it is failed', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is failed',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is failed',
    revise: undefined,
  },
  review: {
    retry: undefined, requeue: undefined, resolve: undefined, accept: undefined, discard: undefined,
    cancel: 'it is in review for a conflict', pause: 'it is in review for a conflict', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is in review for a conflict',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is in review for a conflict',
    revise: undefined,
  },
  awaiting_approval: {
    retry: undefined,
    requeue: 'only a task in review or cancelled can be requeued; it is awaiting approval',
    resolve: 'only a task in review for a conflict can be resolved; it is awaiting approval',
    accept: 'only a task in review, failed or cancelled can be accepted; it is awaiting approval',
    discard: undefined,
    cancel: 'it is awaiting approval', pause: 'it is awaiting approval', resume: undefined,
    approve: undefined,
    pick: 'it does not run as candidates',
    revise: undefined,
  },
  cancelled: {
    retry: undefined, requeue: undefined,
    resolve: 'only a task in review for a conflict can be resolved; it is cancelled',
    accept: undefined, discard: undefined,
    cancel: 'it is cancelled', pause: 'it is cancelled', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is cancelled',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is cancelled',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is cancelled',
  },
  discarded: {
    retry: undefined,
    requeue: 'only a task in review or cancelled can be requeued; it is discarded',
    resolve: 'only a task in review for a conflict can be resolved; it is discarded',
    accept: 'only a task in review, failed or cancelled can be accepted; it is discarded',
    discard: 'it is discarded', cancel: 'it is discarded', pause: 'it is discarded', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is discarded',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is discarded',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is discarded',
  },
  accepted: {
    retry: 'it is already accepted',
    requeue: 'only a task in review or cancelled can be requeued; it is accepted',
    resolve: 'only a task in review for a conflict can be resolved; it is accepted',
    accept: 'only a task in review, failed or cancelled can be accepted; it is accepted',
    discard: 'it is accepted', cancel: 'it is accepted', pause: 'it is accepted', resume: undefined,
    approve: 'only a task awaiting approval can be approved; it is accepted',
    pick: 'only a task with candidates waiting for approval or in the merge queue can be picked; it is accepted',
    revise: 'only a task in review, failed or awaiting approval can be revised; it is accepted',
  },
};

describe('which action applies in which state', () => {
  for (const state of STORED_STATES) {
    for (const action of TASK_ACTIONS) {
      it(`${action} on a ${state} task: ${TABLE[state][action] ?? 'applies'}`, () => {
        const task = record('t', state, state === 'review' ? inReview('conflict') : {});
        expect(disabledReason(action, task, runOf(task))).toBe(TABLE[state][action]);
      });
    }
  }

  it('revise on a best-of-N task needs a picked winner to continue', () => {
    const candidates = [{ n: 1, agent: 'run', state: 'failed' as const, attempt: 1 }];
    const unpicked = record('t', 'failed', { candidates });
    expect(disabledReason('revise', unpicked, runOf(unpicked))).toBe('none of its candidates was picked; retry it');
    const picked = record('t', 'failed', { candidates, picked: { candidate: 1, by: 'first-pass' } });
    expect(disabledReason('revise', picked, runOf(picked))).toBeUndefined();
  });

  it("at the run's budget cap what starts an agent is refused; the rest goes on", () => {
    const failed = record('t', 'failed');
    const held = { ...runOf(failed), budgetHeld: true };
    expect(disabledReason('retry', failed, held)).toBe("the run's budget is reached; raise it with `fleet budget`");
    expect(disabledReason('revise', failed, held)).toBe("the run's budget is reached; raise it with `fleet budget`");
    expect(disabledReason('accept', failed, held)).toBeUndefined();
    expect(disabledReason('retry', failed, runOf(failed))).toBeUndefined();
  });

  it('resolve needs a conflict; the reason names the review it is in', () => {
    const gate = record('t', 'review', inReview('gate_failed'));
    expect(disabledReason('resolve', gate, runOf(gate))).toBe('only a task in review for a conflict can be resolved; it is in review for a failed gate check');
    expect(disabledReason('requeue', gate, runOf(gate))).toBeUndefined();
  });

  it('requeue of a task held for a rate limit says there is nothing checked, and points at retry', () => {
    const held = record('t', 'review', inReview('rate_limit'));
    expect(disabledReason('requeue', held, runOf(held))).toBe('it was held for a rate limit before its agent finished; there is nothing checked to requeue, retry it');
    expect(disabledReason('retry', held, runOf(held))).toBeUndefined();
  });

  it('retry of a pending task says whether a dependency blocks it', () => {
    const dep = record('dep', 'failed');
    const task = record('t', 'pending', { dependsOn: ['dep'] });
    expect(disabledReason('retry', task, runOf(dep, task))).toBe('it is blocked by a dependency');
    expect(disabledReason('cancel', task, runOf(dep, task))).toBeUndefined();
  });

  it('a paused task can still be paused (nothing changes) and cancelled; its status says paused', () => {
    const task = record('t', 'running', { paused: true });
    expect(disabledReason('pause', task, runOf(task))).toBeUndefined();
    expect(disabledReason('cancel', task, runOf(task))).toBeUndefined();
    expect(disabledReason('retry', task, runOf(task))).toBe('it is paused');
  });

  it('refusals read as one sentence, and say where the action applies', () => {
    expect(refusal('requeue', 'api:x', 'it is running')).toBe('cannot requeue api:x: it is running');
    expect(appliesTo('retry')).toBe('failed, in review, awaiting approval, cancelled or discarded');
    expect(appliesTo('approve')).toBe('awaiting approval');
    expect(appliesTo('resolve')).toBe('in review for a conflict');
  });
});
