import { addRunTotals, NO_SPEND, reached, runSpend, type Spend } from './budget.js';
import { reduceCandidates, type CandidateRecord, type Picked } from './candidates.js';
import type { AgentProgressInfo, EventOf, FailurePhase, FleetEvent, ReviewReason, RevisionComment, StopReason, TaskInfo } from './events.js';

/**
 * Stored task states. The lifecycle's `ready`, `paused` and `blocked` are derived from these plus the
 * dependency graph (see selectors.ts), so they can never disagree with the tasks they depend on.
 */
export type StoredState =
  | 'pending'
  | 'preparing'
  | 'running'
  | 'checking'
  | 'queued'
  | 'merging'
  | 'merged'
  | 'failed'
  | 'review'
  /** Passed its check, held out of the merge queue until a user approves it (`approve: true`). */
  | 'awaiting_approval'
  | 'cancelled'
  | 'discarded'
  | 'accepted';

export interface TaskRecord extends TaskInfo {
  state: StoredState;
  /** Set by the user: a pending task is held, a running one is stopped (SIGSTOP). */
  paused: boolean;
  attempt: number;
  /** When the current state was entered. */
  since: number;
  attemptStartedAt?: number;
  worktree?: string;
  branch?: string;
  baseSha?: string;
  /** A warm worktree may exist for the task's next attempt (set before it is made). */
  warm?: { path: string; branch: string };
  /** Branch tip after the auto-commit, and the tip whose check passed. */
  tip?: string;
  passedTip?: string;
  queuedAt?: number;
  /** How long its own check took: the queue's guess of when the tasks still checking will be queued. */
  checkedFor?: number;
  candidate?: string;
  mergedCommit?: string;
  pid?: number;
  /** With pid, identifies the agent process across a fleet restart (for re-adoption). */
  pidStart?: string;
  slot?: number;
  port?: number;
  exit?: { exitCode: number | null; signal: string | null };
  failure?: { phase: FailurePhase; message: string; tail: string };
  review?: { reason: ReviewReason; message: string; paths: string[]; tail: string };
  waitReason?: string;
  predictedConflicts?: string[];
  cleanupPending?: string;
  interrupted?: boolean;
  /** A resolve the user asked for that has not started yet (it waits for a slot). */
  resolveRequested?: boolean;
  archives: string[];
  /** The merge-queue batch the task is in while merging (docs/merge-queue.md). */
  batch?: BatchInfo;
  /** Why the queue put it back without blame, until it merges or goes to review. */
  deferred?: string;
  /** A gate failure that did not come back when confirmed. */
  flaky?: string;
  /** From the agent's structured output, where its CLI has one. */
  agentProgress?: AgentProgressInfo;
  /** Best-of-N: every candidate of the task, by number (docs/config.md#candidates). */
  candidates?: CandidateRecord[];
  picked?: Picked;
  /** Waiting out a provider rate limit until then (ms since the epoch); its agent runs again after. */
  backoffUntil?: number;
  /** What the task's agents spent over all its attempts, and the current agent run's totals so far. */
  spend?: Spend;
  runTotals?: Spend;
  /** Every revision sent to the agent, oldest first; kept across attempts as the task's history. */
  revisions?: { at: number; attempt: number; comments: RevisionComment[] }[];
  /** The agent CLI's session of the current attempt, where its stream names one. */
  sessionId?: string;
}

export interface BatchInfo {
  id: number;
  size: number;
  step: 'gating' | 'landing' | 'bisecting';
  /** While bisecting: how many of the batch the current gate run holds. */
  testing?: number;
  speculative?: boolean;
}

export interface RunState {
  runId: string;
  file: string;
  pid?: number;
  startedAt?: number;
  startsPaused: boolean;
  /** Task keys in file order. */
  order: string[];
  tasks: Record<string, TaskRecord>;
  stopped?: { at: number; reason: StopReason; exitCode: number };
  /** Agents allowed at once since a rate limit changed it (at most the run's concurrency); unset before. */
  concurrency?: number;
  /** The run's cap as the file sets it. */
  runCap?: { usd?: number; tokens?: number };
  /** The run's cap as `fleet budget` last set it (else the file's applies). */
  budgetCap?: { usd?: number; tokens?: number };
  /** The run's spend reached its cap: nothing new starts ("held (budget)"). */
  budgetHeld?: boolean;
}

export function emptyRun(runId = '', file = ''): RunState {
  return { runId, file, startsPaused: false, order: [], tasks: {} };
}

type Patch = Partial<TaskRecord>;

function patchTask(state: RunState, key: string, patch: Patch | ((t: TaskRecord) => Patch)): RunState {
  return patchTasks(state, [key], typeof patch === 'function' ? patch : () => patch);
}

/**
 * Patches the known tasks among `keys` with one copy of the task map per event, not one per key
 * (a batch or a bisection step names many tasks). A patch of undefined leaves its task as it is.
 */
function patchTasks(state: RunState, keys: readonly string[], patch: (t: TaskRecord) => Patch | undefined): RunState {
  let tasks: Record<string, TaskRecord> | undefined;
  for (const key of keys) {
    const task = state.tasks[key];
    const changes = task && patch(task);
    if (!task || !changes) continue;
    tasks ??= { ...state.tasks };
    tasks[key] = { ...task, ...changes };
  }
  return tasks ? { ...state, tasks } : state;
}

function enter(state: StoredState, at: number): Patch {
  return { state, since: at };
}

/** Pure and total: an event about an unknown task leaves the state as it was. */
export function reduce(state: RunState, event: FleetEvent): RunState {
  const at = event.at;
  switch (event.type) {
    case 'run_started':
      return {
        ...state,
        runId: event.runId,
        file: event.file,
        pid: event.pid,
        runCap: event.budget,
        startedAt: state.startedAt ?? at,
        stopped: undefined,
      };
    case 'task_added': {
      if (state.tasks[event.task.key]) return state;
      const record: TaskRecord = { ...event.task, state: 'pending', paused: false, attempt: 0, since: at, archives: [] };
      return { ...state, order: [...state.order, event.task.key], tasks: { ...state.tasks, [event.task.key]: record } };
    }
    case 'task_updated':
      return patchTask(state, event.task.key, { ...event.task });
    case 'task_removed': {
      if (!state.tasks[event.key]) return state;
      const { [event.key]: _removed, ...tasks } = state.tasks;
      return { ...state, order: state.order.filter((k) => k !== event.key), tasks };
    }
    case 'attempt_started':
      return patchTask(state, event.key, {
        ...enter('preparing', at),
        attempt: event.attempt,
        attemptStartedAt: at,
        worktree: undefined,
        branch: undefined,
        baseSha: undefined,
        tip: undefined,
        passedTip: undefined,
        candidate: undefined,
        exit: undefined,
        failure: undefined,
        review: undefined,
        waitReason: undefined,
        predictedConflicts: undefined,
        interrupted: undefined,
        agentProgress: undefined,
        picked: undefined,
        resolveRequested: undefined,
        sessionId: undefined,
      });
    case 'resolve_requested':
      return patchTask(state, event.key, { resolveRequested: true });
    case 'resolve_started':
      return patchTask(state, event.key, { ...enter('preparing', at), review: undefined, candidate: undefined, failure: undefined, waitReason: undefined, resolveRequested: undefined });
    case 'worktree_ready':
      return patchTask(state, event.key, { worktree: event.path, branch: event.branch, baseSha: event.baseSha, warm: undefined });
    case 'worktree_warming':
      return patchTask(state, event.key, { warm: { path: event.path, branch: event.branch } });
    case 'worktree_released':
      return patchTask(state, event.key, { warm: undefined });
    case 'agent_started':
      return patchTask(state, event.key, {
        ...enter('running', at),
        pid: event.pid,
        pidStart: event.startTime,
        slot: event.slot,
        port: event.port,
        interrupted: undefined,
        backoffUntil: undefined,
        runTotals: undefined,
      });
    case 'agent_exited':
      return patchTask(state, event.key, { pid: undefined, exit: { exitCode: event.exitCode, signal: event.signal } });
    case 'check_started':
      return patchTask(state, event.key, { ...enter('checking', at), tip: event.tip, pid: undefined });
    case 'check_passed':
      return patchTask(state, event.key, (t) => ({
        ...enter('queued', at),
        tip: event.tip,
        passedTip: event.tip,
        queuedAt: at,
        checkedFor: t.state === 'checking' ? at - t.since : t.checkedFor,
      }));
    case 'attempt_failed':
      return patchTask(state, event.key, (t) => ({
        ...(event.willRetry ? {} : enter('failed', at)),
        ...winnerFailed(t),
        pid: undefined,
        failure: { phase: event.phase, message: event.message, tail: event.tail },
      }));
    case 'merge_started':
      return patchTask(state, event.key, { ...enter('merging', at), waitReason: undefined });
    case 'merge_waiting':
      return patchTask(state, event.key, (t) => ({
        ...(t.state === 'queued' ? {} : enter('queued', at)),
        waitReason: event.reason,
      }));
    case 'batch_started': {
      const batch: BatchInfo = { id: event.batch, size: event.keys.length, step: event.gate ? 'gating' : 'landing', speculative: event.speculative || undefined };
      return patchTasks(state, event.keys, (t) => ({ ...(t.state === 'merging' ? {} : enter('merging', at)), waitReason: undefined, batch }));
    }
    case 'batch_result':
      if (event.passed) return state;
      return patchTasks(state, event.keys, (t) => t.batch && { batch: { ...t.batch, step: 'bisecting' } });
    case 'bisect_step':
      return patchTasks(state, state.order, (t) =>
        t.state === 'merging' && t.batch?.id === event.batch ? { batch: { ...t.batch, step: 'bisecting', testing: event.tested.length } } : undefined,
      );
    case 'merge_deferred':
      return patchTask(state, event.key, { ...enter('queued', at), batch: undefined, candidate: undefined, deferred: event.reason });
    case 'gate_flaky':
      return patchTask(state, event.key, { flaky: event.message });
    case 'candidate_built':
      return patchTask(state, event.key, { candidate: event.candidate });
    case 'task_merged':
      return patchTask(state, event.key, {
        ...enter('merged', at),
        mergedCommit: event.commit,
        candidate: undefined,
        batch: undefined,
        deferred: undefined,
        waitReason: undefined,
        predictedConflicts: undefined,
        cleanupPending: 'worktree and branch not removed yet',
      });
    case 'cleanup_done':
      return patchTask(state, event.key, { worktree: undefined, cleanupPending: undefined });
    case 'cleanup_failed':
      return patchTask(state, event.key, { cleanupPending: event.message });
    case 'review':
      return patchTask(state, event.key, (t) => ({
        ...enter('review', at),
        ...winnerFailed(t),
        pid: undefined,
        candidate: undefined,
        batch: undefined,
        deferred: undefined,
        predictedConflicts: undefined,
        review: { reason: event.reason, message: event.message, paths: event.paths, tail: event.tail },
      }));
    case 'attempt_archived':
      return patchTask(state, event.key, (t) => ({ archives: t.archives.includes(event.ref) ? t.archives : [...t.archives, event.ref] }));
    case 'task_requeued':
      return patchTask(state, event.key, { ...enter('queued', at), review: undefined, queuedAt: at, waitReason: undefined });
    case 'task_paused':
      return patchTask(state, event.key, { paused: true });
    case 'task_resumed':
      return patchTask(state, event.key, { paused: false });
    case 'task_cancelled':
      return patchTask(state, event.key, { ...enter('cancelled', at), pid: undefined, paused: false });
    case 'task_discarded':
    case 'task_accepted':
      return patchTask(state, event.key, (t) => ({
        ...enter(event.type === 'task_discarded' ? 'discarded' : 'accepted', at),
        pid: undefined,
        paused: false,
        worktree: undefined,
        cleanupPending: undefined,
        archives: event.archiveRef && !t.archives.includes(event.archiveRef) ? [...t.archives, event.archiveRef] : t.archives,
      }));
    case 'task_interrupted':
      // pid stays: the agent runs detached and may outlive fleet; the next run adopts or stops it.
      return patchTask(state, event.key, { interrupted: true });
    case 'starts_paused':
      return { ...state, startsPaused: true };
    case 'starts_resumed':
      return { ...state, startsPaused: false };
    case 'conflict_predicted':
      return patchTask(state, event.key, { predictedConflicts: event.paths.length > 0 ? event.paths : undefined });
    case 'agent_progress': {
      const { type: _t, key, attempt: _a, at: _at, ...info } = event;
      return patchTask(state, key, (t) => {
        const added = addRunTotals(t.spend ?? NO_SPEND, t.runTotals ?? NO_SPEND, info);
        return { agentProgress: { ...t.agentProgress, ...info }, spend: added.spend, runTotals: added.last };
      });
    }
    case 'progress':
      return state; // output lives in the engine's ring buffers, so a replay equals the live state
    case 'run_stopped':
      return { ...state, stopped: { at, reason: event.reason, exitCode: event.exitCode } };
    case 'approval_awaited':
      return patchTask(state, event.key, { ...enter('awaiting_approval', at), tip: event.tip, passedTip: event.tip });
    case 'task_approved':
      return patchTask(state, event.key, { ...enter('queued', at), queuedAt: at });
    case 'candidate_update':
      return patchTask(state, event.key, (t) => ({ ...reduceCandidates(t, event, enter), ...candidateSpend(t, event) }));
    case 'candidates_started':
    case 'candidate_finished':
    case 'candidate_picked':
    case 'candidate_archived':
      return patchTask(state, event.key, (t) => reduceCandidates(t, event, enter));
    case 'rate_limited': {
      const limited = { ...state, concurrency: event.concurrency };
      return patchTask(limited, event.key, { backoffUntil: event.retryInMs === null ? undefined : at + event.retryInMs });
    }
    case 'concurrency_changed':
      return { ...state, concurrency: event.concurrency };
    case 'budget_exceeded':
      return event.scope === 'run' ? { ...state, budgetHeld: true } : state;
    case 'budget_changed': {
      const { type: _t, at: _at, ...cap } = event;
      // Held still if the new cap is no higher than the spend: no flicker of the hold (and its notices).
      return { ...state, budgetCap: cap, budgetHeld: state.budgetHeld === true && reached(runSpend(state), cap) };
    }
    case 'revision_started':
      return patchTask(state, event.key, (t) => ({
        ...enter('preparing', at),
        review: undefined,
        failure: undefined,
        candidate: undefined,
        waitReason: undefined,
        revisions: [...(t.revisions ?? []), { at, attempt: event.attempt, comments: event.comments }],
      }));
    case 'agent_session':
      return patchTask(state, event.key, { sessionId: event.sessionId });
  }
}

/** After the pick, the task's failure is its winner's: a retry reruns it with the failed candidates. */
function winnerFailed(t: TaskRecord): Patch {
  if (!t.picked || !t.candidates) return {};
  return { candidates: t.candidates.map((c) => (c.n === t.picked!.candidate ? { ...c, state: 'failed' } : c)) };
}

export function replay(events: readonly FleetEvent[], initial: RunState = emptyRun()): RunState {
  return events.reduce(reduce, initial);
}

/** A candidate's usage counts against its task's spend: what it adds over its own last totals. */
function candidateSpend(t: TaskRecord, event: EventOf<'candidate_update'>): Partial<TaskRecord> {
  if (event.tokens === undefined && event.costUsd === undefined) return {};
  const was = t.candidates?.find((c) => c.n === event.candidate);
  const last = { usd: was?.costUsd ?? 0, tokens: was?.tokens ? was.tokens.input + was.tokens.output : 0 };
  return { spend: addRunTotals(t.spend ?? NO_SPEND, last, event).spend };
}
