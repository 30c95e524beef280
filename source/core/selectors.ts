import type { RunState, StoredState, TaskRecord } from './state.js';

/** The states of docs/design.md#task-lifecycle as a user sees them. */
export type TaskStatus = StoredState | 'ready' | 'paused' | 'blocked';

// Every set of stored states the code asks about is named here once; a different meaning gets a
// different name even where the members overlap.

/** Every stored state once (a Record, so the compiler names any state added later and left out). */
const EVERY_STATE: Record<StoredState, true> = {
  pending: true, preparing: true, running: true, checking: true, queued: true, merging: true, merged: true,
  failed: true, review: true, awaiting_approval: true, cancelled: true, discarded: true, accepted: true,
};
export const STORED_STATES = Object.keys(EVERY_STATE) as readonly StoredState[];

/** What dependents wait for: merged, or accepted without merging. */
export const DONE: ReadonlySet<StoredState> = new Set(['merged', 'accepted']);
/** States that stop dependents until a human acts. */
export const BLOCKS_DEPENDENTS: ReadonlySet<StoredState> = new Set(['failed', 'review', 'cancelled', 'discarded']);
/** At work without a human: a process running, or in the merge queue. A run with one is not settled. */
export const ACTIVE: ReadonlySet<StoredState> = new Set(['preparing', 'running', 'checking', 'queued', 'merging']);
/** A process of the task (setup, agent or check) may be running: it holds a slot and must be stopped first. */
export const HAS_RUNNING_PROCESS: ReadonlySet<StoredState> = new Set(['preparing', 'running', 'checking']);
/** Not merging yet nor settled: what can still be paused or cancelled. */
export const BEFORE_MERGE: ReadonlySet<StoredState> = new Set(['pending', ...HAS_RUNNING_PROCESS, 'queued']);
/**
 * Waiting for the user, and nothing else: what the attention order lists first, the header counts
 * and a notification announces. Grows with every new reason a task can wait on a person.
 */
export const NEEDS_YOU: ReadonlySet<StoredState> = new Set(['review', 'failed', 'awaiting_approval']);
/** The task needs its worktree and branch no more: what is left of them is left over. */
export const NEEDS_NO_WORKTREE: ReadonlySet<StoredState> = new Set(['merged', 'accepted', 'discarded']);

export function isDone(task: TaskRecord): boolean {
  return DONE.has(task.state);
}

export function isActive(task: TaskRecord): boolean {
  return ACTIVE.has(task.state);
}

/** Nothing new starts: the user paused new starts, or the run is held at its budget cap. */
export function newStartsHeld(state: RunState): boolean {
  return state.startsPaused || state.budgetHeld === true;
}

/** Waits for nothing but a slot: pending, not paused, every dependency done. */
function startable(state: RunState, task: TaskRecord): boolean {
  return task.state === 'pending' && !task.paused && depsDone(state, task);
}

/** Ready, but the run is held at its budget cap: only the user raising it lets the task start. */
export function heldByBudget(state: RunState, task: TaskRecord): boolean {
  return state.budgetHeld === true && startable(state, task);
}

/** Whether the task waits for the user: its state (NEEDS_YOU), or a budget only they can raise. */
export function needsYou(task: TaskRecord, state: RunState): boolean {
  return NEEDS_YOU.has(task.state) || heldByBudget(state, task);
}

/** The keys of the tasks that need the user, in file order. */
export function needingYou(state: RunState): string[] {
  return state.order.filter((k) => needsYou(state.tasks[k]!, state));
}

/**
 * The task that stops `key` from ever starting, named at the root: a dependency (direct or
 * transitive) that failed, is in review, was cancelled or discarded. Undefined when not blocked.
 */
export function blockedBy(state: RunState, key: string, seen: Set<string> = new Set()): string | undefined {
  const task = state.tasks[key];
  if (!task || task.state !== 'pending' || seen.has(key)) return undefined;
  seen.add(key);
  for (const dep of task.dependsOn) {
    const d = state.tasks[dep];
    if (!d) continue;
    if (BLOCKS_DEPENDENTS.has(d.state)) return dep;
    const root = blockedBy(state, dep, seen);
    if (root) return root;
  }
  return undefined;
}

export function depsDone(state: RunState, task: TaskRecord): boolean {
  return task.dependsOn.every((d) => {
    const dep = state.tasks[d];
    return dep !== undefined && isDone(dep);
  });
}

export function taskStatus(state: RunState, key: string): TaskStatus {
  const task = state.tasks[key];
  if (!task) return 'pending';
  if (task.paused && (task.state === 'pending' || task.state === 'running')) return 'paused';
  if (task.state !== 'pending') return task.state;
  if (blockedBy(state, key)) return 'blocked';
  return depsDone(state, task) ? 'ready' : 'pending';
}

/** Tasks that may start now, in file order. */
export function readyTasks(state: RunState): TaskRecord[] {
  if (newStartsHeld(state)) return [];
  return state.order.map((k) => state.tasks[k]!).filter((t) => startable(state, t));
}

/** What a task is waiting for, in words, for status lines and the UI. */
export function waitingFor(state: RunState, key: string): string | undefined {
  const task = state.tasks[key];
  if (!task) return undefined;
  const root = blockedBy(state, key);
  if (root) return `blocked by ${root} (${state.tasks[root]?.state})`;
  if (task.state === 'pending') {
    const open = task.dependsOn.filter((d) => !isDone(state.tasks[d]!));
    if (open.length > 0) return `needs ${open.join(', ')}`;
    if (task.paused) return 'held';
    if (state.startsPaused) return 'starts paused';
  }
  if (task.state === 'queued' && task.waitReason) return task.waitReason;
  return undefined;
}

export function countByStatus(state: RunState): Record<TaskStatus, number> {
  const counts = Object.fromEntries(
    (
      [
        'pending', 'ready', 'preparing', 'running', 'checking', 'queued', 'merging', 'merged',
        'paused', 'failed', 'review', 'awaiting_approval', 'blocked', 'cancelled', 'discarded', 'accepted',
      ] as TaskStatus[]
    ).map((s) => [s, 0]),
  ) as Record<TaskStatus, number>;
  for (const key of state.order) counts[taskStatus(state, key)]++;
  return counts;
}

/** docs/design.md#task-lifecycle (exit codes): 0 when every task merged or was accepted, else 1. */
export function runExitCode(state: RunState): 0 | 1 {
  return state.order.every((k) => isDone(state.tasks[k]!)) ? 0 : 1;
}

/** Whether a task can still reach merged without a human: active, or pending with a way to start. */
export function canProgress(state: RunState, key: string, memo: Map<string, boolean> = new Map()): boolean {
  const known = memo.get(key);
  if (known !== undefined) return known;
  memo.set(key, false); // guards against cycles; config rejects them anyway
  const task = state.tasks[key];
  let result = false;
  if (task && isActive(task)) result = true;
  else if (task && task.state === 'pending' && !task.paused && !newStartsHeld(state)) {
    result = task.dependsOn.every((d) => {
      const dep = state.tasks[d];
      return dep !== undefined && (isDone(dep) || canProgress(state, d, memo));
    });
  }
  memo.set(key, result);
  return result;
}

/** True when no task can move without a human. A headless run exits then. */
export function isSettled(state: RunState): boolean {
  const memo = new Map<string, boolean>();
  return !state.order.some((k) => canProgress(state, k, memo));
}

/** Where a task stands in the merge queue, in one phrase for `fleet status` and the pane (docs/merge-queue.md). */
export function queueNote(task: TaskRecord): string | undefined {
  const b = task.batch;
  if (task.state === 'merging' && b) {
    const of = b.size > 1 ? `batch ${b.id} (${b.size} tasks)` : `batch ${b.id}`;
    if (b.step === 'landing') return `in ${of}: landing`;
    if (b.step === 'bisecting') return `${of} failed its gate; bisecting${b.testing ? ` (gate run holds ${b.testing} of ${b.size})` : ''}`;
    return `in ${of}: gate check running${b.speculative ? ', stacked on the batch ahead of it' : ''}`;
  }
  if (task.state === 'queued' && task.deferred) return `back in the queue: ${task.deferred}`;
  if (task.flaky && (task.state === 'merging' || task.state === 'merged')) return `flaky gate: ${task.flaky}`;
  return undefined;
}
