// What follows a merge, off the queue's path: a dependent starts on task_merged, while removing
// a worktree is file deletion (seconds on a big checkout) and the conflict prediction is advisory.
import type { ProjectSpec, TaskSpec } from '../../core/fleet.js';
import type { TaskRecord } from '../../core/state.js';
import { removeTaskWorktree } from '../../git/archive.js';
import { mergeTree } from '../../git/merge.js';
import { deleteRefs, readRef } from '../../git/refs.js';
import { isAncestor, revParse } from '../../git/repo.js';
import { archiveRef, branchName, fleetRef, worktreePath, type EngineContext } from '../context.js';

/** Worktree, branch and the task's candidate and base refs go once merged; anything unexpected is archived first. */
export async function cleanupMerged(ctx: EngineContext, project: ProjectSpec, task: TaskSpec, record: TaskRecord): Promise<void> {
  try {
    const archived = await removeTaskWorktree(project.path, {
      worktree: record.worktree ?? worktreePath(ctx, task),
      branch: branchName(task),
      archiveRef: archiveRef(ctx, task, record.attempt),
      message: `fleet: leftovers of ${task.key} after merge`,
      landed: record.passedTip,
      // What fleet copied or linked in is not the task's work: never a reason to archive.
      fleetPaths: [...task.copy, ...task.link],
    });
    await deleteRefs(project.path, [fleetRef(ctx, 'candidates', task), fleetRef(ctx, 'base', task)]);
    ctx.emit({ type: 'cleanup_done', key: task.key, ...(archived ? { archived } : {}) });
  } catch (error) {
    ctx.emit({ type: 'cleanup_failed', key: task.key, message: (error as Error).message });
  }
}

/** Early warning: whenever base moves, merge-tree every queued branch against it. */
export async function predictConflicts(ctx: EngineContext, project: ProjectSpec, base: string): Promise<void> {
  const repo = project.path;
  const head = await revParse(repo, `refs/heads/${base}`);
  if (!head) return;
  for (const key of ctx.store.state.order) {
    const t = ctx.store.state.tasks[key]!;
    const spec = ctx.task(key);
    if (t.state !== 'queued' || spec.project !== project.name || spec.base !== base || !t.tip) continue;
    const result = await mergeTree(repo, head, t.tip).catch(() => undefined);
    if (!result) continue;
    const paths = result.kind === 'conflict' ? result.paths : [];
    if (paths.join('\0') !== (t.predictedConflicts ?? []).join('\0')) ctx.emit({ type: 'conflict_predicted', key, paths });
  }
}

/** A resumed run may find its candidate (or, for merge commits, the tip itself) already in base. */
export async function alreadyLanded(ctx: EngineContext, repo: string, task: TaskSpec, tip: string, base: string): Promise<string | undefined> {
  const recorded = await readRef(repo, fleetRef(ctx, 'merged', task));
  if (recorded && (await isAncestor(repo, recorded, base))) return recorded;
  const candidate = await readRef(repo, fleetRef(ctx, 'candidates', task));
  if (candidate && (await isAncestor(repo, candidate, base))) return candidate;
  if (task.merge === 'merge' && (await isAncestor(repo, tip, base))) return base;
  return undefined;
}
