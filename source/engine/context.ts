import type { FleetEvent } from '../core/events.js';
import type { FleetSpec, ProjectSpec, TaskSpec } from '../core/fleet.js';
import * as names from '../core/names.js';
import type { RunRefKind } from '../core/names.js';
import type { Job } from '../agents/job.js';
import type { Runner } from '../agents/runner.js';
import type { OutputBook } from './output.js';
import type { RunPaths } from './host/paths.js';
import type { Store } from './store.js';

/** An event as the engine emits it; the time is stamped on dispatch. */
export type EventInput = FleetEvent extends infer E ? (E extends FleetEvent ? Omit<E, 'at'> : never) : never;

/** What every engine part shares for one run. */
export interface EngineContext {
  spec: FleetSpec;
  runId: string;
  paths: RunPaths;
  store: Store;
  output: OutputBook;
  /** The process currently running for a task (setup step, agent or check), to pause or stop it. */
  jobs: Map<string, Job>;
  /** Where tasks' processes run: everything done to them goes through it. */
  runner: Runner;
  /** Keys of tasks the user stopped (cancel, discard) while something of theirs was running. */
  stopping: Set<string>;
  emit(event: EventInput): void;
  /** `on_conflict: agent`: let the agent resolve a conflict, once per attempt. */
  autoResolve(key: string, attempt: number): void;
  /** `on_gate_failure: agent`: let the agent fix a failed gate, at most `retries` times per task. */
  autoRepair(key: string, attempt: number): void;
  task(key: string): TaskSpec;
  project(task: TaskSpec): ProjectSpec;
}

// Thin wrappers over core/names.ts, where every name fleet writes has its builder and parser.
// The spec of one candidate (engine/fan-out/candidates.ts) gets that candidate's names.
export function branchName(task: TaskSpec): string {
  return task.asCandidate ? names.candidateBranchName(task.id, task.asCandidate) : names.branchName(task.id);
}

export function worktreePath(ctx: EngineContext, task: TaskSpec): string {
  const dir = ctx.project(task).worktreeDir;
  return task.asCandidate ? names.candidateWorktreePath(dir, task.id, task.asCandidate) : names.worktreePath(dir, task.id);
}

export function fleetRef(ctx: EngineContext, kind: RunRefKind, task: TaskSpec): string {
  return names.runRef(ctx.runId, kind, task.id);
}

export function archiveRef(ctx: EngineContext, task: TaskSpec, attempt: number): string {
  return task.asCandidate ? names.candidateArchiveRef(task.id, ctx.runId, attempt, task.asCandidate) : names.archiveRef(task.id, ctx.runId, attempt);
}
