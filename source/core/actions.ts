import { pickable } from './candidates.js';
import { BEFORE_MERGE, STORED_STATES, taskStatus, type TaskStatus } from './selectors.js';
import type { ReviewReason } from './events.js';
import type { RunState, StoredState, TaskRecord } from './state.js';

// Which action applies to a task in which state, said once: the engine refuses with it, the UI's
// keys are enabled by it, and `fleet <action>` on a stopped run refuses with it (docs/ui.md).

/** What a user can do to one task: each is a `fleet <action>` command and a key in the UI. */
export const TASK_ACTIONS = ['retry', 'requeue', 'resolve', 'accept', 'discard', 'cancel', 'pause', 'resume', 'approve', 'pick', 'revise'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

interface Rule {
  /** The stored states the action applies in. */
  states: ReadonlySet<StoredState>;
  /** Which tasks qualify, for actions whose states a user could not guess from the verb. */
  only?: string;
}

const RULES: Record<TaskAction, Rule> = {
  retry: { states: new Set(['failed', 'review', 'awaiting_approval', 'cancelled', 'discarded']) },
  requeue: { states: new Set(['review', 'cancelled']), only: 'only a task in review or cancelled can be requeued' },
  resolve: { states: new Set(['review']), only: 'only a task in review for a conflict can be resolved' },
  accept: { states: new Set(['review', 'failed', 'cancelled']), only: 'only a task in review, failed or cancelled can be accepted' },
  discard: { states: new Set(['pending', 'preparing', 'running', 'checking', 'queued', 'failed', 'review', 'awaiting_approval', 'cancelled']) },
  cancel: { states: BEFORE_MERGE },
  pause: { states: BEFORE_MERGE },
  // Resuming a task that is not paused changes nothing and says so; it is never refused.
  resume: { states: new Set(STORED_STATES) },
  approve: { states: new Set(['awaiting_approval']), only: 'only a task awaiting approval can be approved' },
  // Overruling the pick of best-of-N: only before the merge starts (docs/config.md#candidates).
  pick: {
    states: new Set(['queued', 'awaiting_approval']),
    only: 'only a task with candidates waiting for approval or in the merge queue can be picked',
  },
  // Its worktree and branch must still be there: the agent continues its own work (docs/ui.md).
  // Awaiting approval is a review by the user too: asking for changes instead of approving.
  revise: { states: new Set(['review', 'failed', 'awaiting_approval']), only: 'only a task in review, failed or awaiting approval can be revised' },
};

/** Actions that start an agent or a setup: what the budget's circuit breaker holds back. */
const STARTS: ReadonlySet<TaskAction> = new Set(['retry', 'revise', 'resolve']);

const REVIEW_FOR: Record<ReviewReason, string> = {
  conflict: 'a conflict',
  gate_failed: 'a failed gate check',
  no_changes: 'no changes',
  unsafe_change: 'an unsafe change',
  rate_limit: 'a rate limit',
};

/**
 * Undefined when `action` applies to `task` now; else why not, as the end of a sentence that
 * starts "cannot <action> <key>: " ("it is running", "only a task in review … ; it is failed").
 */
export function disabledReason(action: TaskAction, task: TaskRecord, state: RunState): string | undefined {
  const rule = RULES[action];
  // Held for a rate limit, the agent never finished: there is nothing checked to merge, only to retry.
  if (action === 'requeue' && task.state === 'review' && task.review?.reason === 'rate_limit') {
    return 'it was held for a rate limit before its agent finished; there is nothing checked to requeue, retry it';
  }
  const applies = rule.states.has(task.state) && (action !== 'resolve' || task.review?.reason === 'conflict');
  // Best-of-N: a revision continues the winner's work; with no winner there is none to continue.
  if (applies && action === 'revise' && task.candidates !== undefined && task.picked === undefined) return 'none of its candidates was picked; retry it';
  if (applies && action === 'pick' && pickable(task).length < 2) {
    return task.candidates === undefined ? 'it does not run as candidates' : 'no other candidate of it passed its check';
  }
  // The budget's start rule covers what a user starts too (docs/config.md, "Budgets").
  if (applies && STARTS.has(action) && state.budgetHeld) return "the run's budget is reached; raise it with `fleet budget`";
  if (applies) return undefined;
  const status = taskStatus(state, task.key);
  if (action === 'cancel' && task.state === 'merging') return 'it is being merged right now; wait for the merge to finish or fail';
  if (action === 'retry' && task.state === 'pending') return status === 'blocked' ? 'it is blocked by a dependency' : 'it has not run yet';
  if (action === 'retry' && (task.state === 'merged' || task.state === 'accepted')) return `it is already ${task.state}`;
  const now = task.state === 'review' && task.review ? `in review for ${REVIEW_FOR[task.review.reason]}` : statusWords(status);
  return `${rule.only ? `${rule.only}; ` : ''}it is ${now}`;
}

/** The one sentence every refusal is: the engine's answer, the CLI's error, the UI's status line. */
export function refusal(action: TaskAction, key: string, reason: string): string {
  return `cannot ${action} ${key}: ${reason}`;
}

/** The states an action applies in, in words: "failed, in review, cancelled or discarded". */
export function appliesTo(action: TaskAction): string {
  if (action === 'resolve') return 'in review for a conflict';
  const words = STORED_STATES.filter((s) => RULES[action].states.has(s)).map(statusWords);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : words.join('');
}

/** A status as it follows "is": "in review", else the word itself. */
export function statusWords(status: TaskStatus): string {
  if (status === 'awaiting_approval') return 'awaiting approval';
  return status === 'review' ? 'in review' : status;
}
