// Every change to a run is one of these plain-JSON events. The journal stores them (except the
// ephemeral ones), the reducer folds them into RunState, and `--json` prints them one per line.
// The schema is documented in docs/events.md; add fields, never rename them.

export type StopReason = 'finished' | 'idle' | 'signal' | 'superseded';
/** `internal`: fleet's own fault (a bug or an unexpected error), never charged to the task's retries. */
/** `budget`: the task reached its own spending cap (docs/config.md, "Budgets"). */
export type FailurePhase = 'worktree' | 'setup' | 'agent' | 'timeout' | 'commit' | 'check' | 'internal' | 'budget';
/** `rate_limit`: the provider kept refusing the agent for a rate limit; held for the user, not failed. */
export type ReviewReason = 'conflict' | 'gate_failed' | 'no_changes' | 'unsafe_change' | 'rate_limit';

export interface TaskInfo {
  key: string;
  id: string;
  project: string;
  title: string;
  dependsOn: string[];
  /** "run" for a plain command, else the agent name. */
  agent: string;
  base: string;
  retries: number;
  /** The task's own spending cap, if it has one. */
  budget?: { usd?: number; tokens?: number };
}

/** One review comment sent back to a task's agent: on a line of a file, or on the change as a whole. */
export interface RevisionComment {
  text: string;
  /** Path in the repository and 1-based line of the new side; both absent for a general comment. */
  path?: string;
  line?: number;
}

/** Where a comment is about, as written to people and agents: "src/a.ts:12"; undefined for the change as a whole. */
export function commentPlace(comment: Pick<RevisionComment, 'path' | 'line'>): string | undefined {
  return comment.path ? `${comment.path}${comment.line ? `:${comment.line}` : ''}` : undefined;
}

/** What an agent's structured output says about its progress (totals so far). */
export interface AgentProgressInfo {
  /** Short "current action", e.g. "Edit src/a.ts". */
  action?: string;
  turns?: number;
  tokens?: { input: number; output: number };
  costUsd?: number;
}

/** Lines changed between a candidate's base and its tip (`git diff --shortstat`). */
export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
}

export type CandidateState = 'running' | 'checking' | 'passed' | 'failed' | 'stopped';
/** Who chose the winner: the task's pick rule, the judge's fallback, or the user (`fleet pick`). */
export type PickedBy = 'first-pass' | 'smallest-diff' | 'judge' | 'user';

interface At {
  /** Milliseconds since the epoch. */
  at: number;
}

export type FleetEvent = At &
  (
    /** `budget`: the file's run cap, for the header (a `budget_changed` overrides it). */
    | { type: 'run_started'; runId: string; file: string; resumed: boolean; pid: number; budget?: { usd?: number; tokens?: number } }
    | { type: 'task_added'; task: TaskInfo }
    | { type: 'task_updated'; task: TaskInfo }
    | { type: 'task_removed'; key: string }
    | { type: 'attempt_started'; key: string; attempt: number }
    | { type: 'worktree_ready'; key: string; attempt: number; path: string; branch: string; baseSha: string }
    /** A ready task waiting for a slot gets its worktree ahead of its attempt (docs/design.md#warm-worktrees). */
    | { type: 'worktree_warming'; key: string; path: string; branch: string }
    /** Its warm worktree went before an attempt took it (cancel, discard, the run's end, or a crash). */
    | { type: 'worktree_released'; key: string }
    | { type: 'agent_started'; key: string; attempt: number; pid: number; startTime?: string; slot: number; port: number; adopted?: boolean }
    | { type: 'agent_exited'; key: string; attempt: number; exitCode: number | null; signal: string | null }
    | { type: 'check_started'; key: string; attempt: number; tip: string }
    | { type: 'check_passed'; key: string; attempt: number; tip: string }
    | {
        type: 'attempt_failed';
        key: string;
        attempt: number;
        phase: FailurePhase;
        message: string;
        tail: string;
        willRetry: boolean;
      }
    /** The user asked for a resolve; journaled before it waits for a slot, so a crash does not lose it. */
    | { type: 'resolve_requested'; key: string }
    | { type: 'resolve_started'; key: string; attempt: number; base: string; paths: string[] }
    | { type: 'merge_started'; key: string; base: string }
    | { type: 'merge_waiting'; key: string; reason: string }
    | { type: 'candidate_built'; key: string; candidate: string; base: string; gate: boolean }
    | { type: 'task_merged'; key: string; commit: string; base: string }
    /** `archived`: what the branch or worktree held beyond what merged, kept at this ref. */
    | { type: 'cleanup_done'; key: string; archived?: string }
    | { type: 'cleanup_failed'; key: string; message: string }
    | {
        type: 'review';
        key: string;
        reason: ReviewReason;
        message: string;
        paths: string[];
        tail: string;
      }
    | { type: 'attempt_archived'; key: string; attempt: number; ref: string }
    | { type: 'task_requeued'; key: string }
    | { type: 'task_paused'; key: string }
    | { type: 'task_resumed'; key: string }
    | { type: 'task_cancelled'; key: string }
    | { type: 'task_discarded'; key: string; archiveRef: string | null }
    | { type: 'task_accepted'; key: string; archiveRef: string | null }
    | { type: 'task_interrupted'; key: string }
    | { type: 'starts_paused' }
    | { type: 'starts_resumed' }
    | { type: 'conflict_predicted'; key: string; paths: string[] }
    | { type: 'progress'; key: string; line: string }
    /** Throttled (≤ 2/s per task) and journaled, so totals such as cost survive a restart. */
    | ({ type: 'agent_progress'; key: string; attempt: number } & AgentProgressInfo)
    | { type: 'run_stopped'; reason: StopReason; exitCode: number }
    /** The merge queue stacked `keys` on `onto` (base, or the tip of the batch ahead when speculative). */
    | { type: 'batch_started'; project: string; batch: number; base: string; onto: string; tip: string; keys: string[]; gate: boolean; speculative: boolean }
    | { type: 'batch_result'; project: string; batch: number; keys: string[]; passed: boolean; message?: string }
    /** One gate run of a bisection: `tested` is what the tree held besides the base. */
    | { type: 'bisect_step'; project: string; batch: number; step: BisectStep; suspect?: string; tested: string[]; passed: boolean }
    /** Back in the queue without blame: its batch failed because of another task, or base moved. */
    | { type: 'merge_deferred'; key: string; reason: string }
    /** A gate failure that did not come back on the confirming run; the task went on. */
    | { type: 'gate_flaky'; key: string; message: string }
    /** The check passed, but the task waits for `fleet approve` before it joins the merge queue. */
    | { type: 'approval_awaited'; key: string; attempt: number; tip: string }
    | { type: 'task_approved'; key: string }
    /** Best-of-N (docs/config.md#candidates): these candidates start now, each in its own worktree. */
    | { type: 'candidates_started'; key: string; attempt: number; candidates: { n: number; agent: string }[] }
    | {
        type: 'candidate_update';
        key: string;
        candidate: number;
        state?: CandidateState;
        worktree?: string;
        branch?: string;
        baseSha?: string;
        tokens?: { input: number; output: number };
        costUsd?: number;
      }
    | {
        type: 'candidate_finished';
        key: string;
        candidate: number;
        result: 'passed' | 'failed' | 'stopped';
        tip?: string;
        diff?: DiffStat;
        message?: string;
      }
    /** The winner's worktree, branch and base become the task's; its tip follows in check_passed. */
    | { type: 'candidate_picked'; key: string; candidate: number; by: PickedBy; note?: string }
    | { type: 'candidate_archived'; key: string; candidate: number; ref: string }
    /** The agent stopped on a provider rate limit: not a failure; `retryInMs` null means held for the user. */
    | { type: 'rate_limited'; key: string; attempt: number; tries: number; retryInMs: number | null; concurrency: number }
    /** How many agents may run at once now that rate limits have passed (grows back one per clean minute). */
    | { type: 'concurrency_changed'; concurrency: number }
    /** Spend reached a cap: the run's (no new starts) or one task's (it is stopped and fails). */
    | { type: 'budget_exceeded'; scope: 'run' | 'task'; key?: string; spent: { usd: number; tokens: number }; cap: { usd?: number; tokens?: number } }
    /** `fleet budget` set the run's cap; a run held at its cap goes on if the new cap is above the spend. */
    | { type: 'budget_changed'; usd?: number; tokens?: number }
    /** The user's comments, sent back to the agent in the task's own worktree (not a fresh attempt). */
    | { type: 'revision_started'; key: string; attempt: number; revision: number; comments: RevisionComment[] }
    /** The session id an agent CLI reported, so a revision can continue that session. */
    | { type: 'agent_session'; key: string; attempt: number; sessionId: string }
  );

export type BisectStep = 'prefix' | 'partner' | 'rerun';

export type EventType = FleetEvent['type'];
export type EventOf<T extends EventType> = Extract<FleetEvent, { type: T }>;

/** Events that are shown live but never journaled (agent output is never a journal event). */
export function isEphemeral(event: FleetEvent): boolean {
  return event.type === 'progress';
}
