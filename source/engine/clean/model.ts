// The data `fleet clean` passes along: the inventory snapshot (engine/clean/inventory.ts gathers
// it), and the plan made from it (engine/clean/plan.ts) that engine/clean/apply.ts carries out.
import type { TaskRecord } from '../../core/state.js';
import type { WorktreeRecord } from '../../git/worktree-list.js';
import type { FleetWorktree, KnownRun, RunStatus } from '../host/inventory.js';
import type { LockOwner } from '../host/lock.js';

/** A run as clean sees it. */
export interface CleanRun extends KnownRun {
  status: RunStatus;
  live?: LockOwner;
  /** project name → common dir; missing names (or no map at all: file gone) mean "could be any repo". */
  projects?: Map<string, string>;
  /** Clean holds its state dir's lock, so it may append to its journal. */
  writable: boolean;
  /** Its state dir belongs to the repositories being cleaned (not only read to recognise run ids). */
  inScope: boolean;
}

/** What git and the disk say about one fleet task worktree. */
export interface WorktreeFacts {
  exists: boolean;
  /** `git status` shows nothing to archive. */
  clean: boolean;
  head?: string;
}

export interface RepoSnapshot {
  commonDir: string;
  topLevel: string;
  /** The live process holding this repository's lock, if any. */
  lockOwner?: LockOwner;
  /** refs/heads/fleet/* and refs/fleet/* → object id. */
  refs: Map<string, string>;
  /** Every worktree git records, the main one first. */
  worktrees: WorktreeRecord[];
  fleet: FleetWorktree[];
  /** Per fleet task worktree path; absent for a live run's, which clean does not look into. */
  facts: Map<string, WorktreeFacts>;
  /** Canonical form (symlinks resolved) of every fleet worktree path and every task record's worktree. */
  canonical: Map<string, string>;
  /** Tip of each fleet branch → the branches, tags, remote branches and refs/fleet/* refs that contain it. */
  containing: Map<string, string[]>;
  /** Archive ref → when it was made (ms); only gathered when archives may expire. */
  archiveMade: Map<string, number>;
  /** What `git worktree prune` would drop now. */
  prunable: string[];
}

export interface CleanInventory {
  runs: CleanRun[];
  /** Owners of locks held by live processes: their runs are left alone. */
  live: LockOwner[];
  repos: RepoSnapshot[];
  /** Where the user stands (canonical): a worktree holding it is not removed from under them. */
  cwd: string;
  now: number;
  archivesOlderThan?: { ms: number; text: string };
}

/** A task whose processes must stop before its worktree goes. */
export interface StopTarget {
  runId: string;
  task: TaskRecord;
}

/** A merged task whose leftovers clean removed: its run stops saying "cleanup pending". */
export interface CleanupRecord {
  run: CleanRun;
  key: string;
}

export type CleanAction = {
  /** What it would do, for --dry-run and failures ("remove …"). */
  would: string;
  /** A failure skips this run's later `supersede` action. */
  run?: CleanRun;
} & (
  | { kind: 'remove-gate'; repo: string; path: string; what: string }
  | { kind: 'remove-worktree'; repo: string; path: string; branch: string; what: string; keptIn?: string; archiveRef: string; message: string; stop?: StopTarget; record?: CleanupRecord }
  | { kind: 'delete-branch'; repo: string; branch: string; tip: string; why: string; keptIn?: string; archiveRef?: string; record?: CleanupRecord }
  | { kind: 'delete-refs'; repo: string; refs: { ref: string; oid: string }[]; what: string }
  | { kind: 'delete-archive'; repo: string; ref: string; oid: string; what: string }
  | { kind: 'prune'; repo: string }
  | { kind: 'supersede'; run: CleanRun; exitCode: number; what: string }
);

export interface CleanPlan {
  actions: CleanAction[];
  /** What was kept and why, said after the actions. */
  notes: string[];
}
