// A task that leaves its run without merging — removed from the fleet file, or its whole run
// superseded by `--fresh` — takes nothing of its work with it: its processes are stopped, its
// work archived (attempt and candidates), then its worktrees and branches removed
// (docs/design.md#archive-before-delete, #state-on-disk).
import type { ProjectSpec } from '../../core/fleet.js';
import * as names from '../../core/names.js';
import type { TaskRecord } from '../../core/state.js';
import { archiveAndRemove, removeTaskWorktree } from '../../git/archive.js';
import { deleteRefs } from '../../git/refs.js';
import type { Runner } from '../../agents/runner.js';
import { freeArchiveRef, removeWarm } from './task-worktree.js';

export interface RetiredWork {
  /** The attempt's work (worktree snapshot or branch tip), when there was any. */
  attempt: string | null;
  /** Each candidate's work kept (best-of-N), by number. */
  candidates: { n: number; ref: string }[];
}

export interface RetireOptions {
  runner: Pick<Runner, 'killTask'>;
  project: ProjectSpec;
  runId: string;
  /** Why it goes, for the archive commit's message. */
  why: string;
  /**
   * Where each piece of work is kept: `attempt`, the attempt's own name (`<run>-<attempt>`: right
   * for a run that is over), or `free`, the first free `<run>-clean[-n]` (a task leaving a run that
   * goes on: a task of the same id may join it again, and its attempts need their own names).
   */
  naming: 'attempt' | 'free';
  /** Drop the task's refs/fleet/<run>/{base,candidates,review}/<id>, which only serve resuming it. */
  dropRunRefs: boolean;
}

/**
 * Archive first, then worktree, then branch, for the attempt and every candidate not archived
 * yet; idempotent, so a crash halfway is finished by doing it again. A task that never started
 * only has its warm worktree released; a merged one only has what its cleanup left.
 */
export async function retireTask(record: TaskRecord, opts: RetireOptions): Promise<RetiredWork> {
  const { project, runId, why } = opts;
  const repo = project.path;
  const { id, key } = record;
  const retired: RetiredWork = { attempt: null, candidates: [] };
  if (record.attempt === 0) {
    if (record.warm) await removeWarm(repo, { runId, id, key, base: record.base, worktree: record.warm.path, branch: record.warm.branch });
    return retired;
  }
  await opts.runner.killTask(record.pid, { runId, project: record.project, taskId: id });
  const refFor = async (attempt: number, candidate?: number): Promise<string> => {
    if (opts.naming === 'free') return freeArchiveRef(repo, id, runId);
    return candidate === undefined ? names.archiveRef(id, runId, attempt) : names.candidateArchiveRef(id, runId, attempt, candidate);
  };
  const worktree = record.worktree ?? names.worktreePath(project.worktreeDir, id);
  const branch = record.branch ?? names.branchName(id);
  if (record.state === 'merged') {
    // Its change is in base: keep only what the branch does not hold.
    if (record.cleanupPending) {
      const message = `fleet: leftovers of ${key} after merge (${why})`;
      retired.attempt = await removeTaskWorktree(repo, { worktree, branch, archiveRef: await refFor(record.attempt), message });
    }
  } else {
    const message = `fleet: archive of ${key} attempt ${record.attempt} (${why})`;
    retired.attempt = await archiveAndRemove(repo, { worktree, branch, ref: await refFor(record.attempt), message });
  }
  for (const c of record.candidates ?? []) {
    if (c.archived !== undefined) continue;
    const ref = await archiveAndRemove(repo, {
      worktree: c.worktree ?? names.candidateWorktreePath(project.worktreeDir, id, c.n),
      branch: names.candidateBranchName(id, c.n),
      ref: await refFor(c.attempt, c.n),
      message: `fleet: archive of ${key} candidate ${c.n} attempt ${c.attempt} (${why})`,
    });
    if (ref) retired.candidates.push({ n: c.n, ref });
  }
  if (opts.dropRunRefs) await deleteRefs(repo, (['base', 'candidates', 'review'] as const).map((kind) => names.runRef(runId, kind, id)));
  return retired;
}
