// A conflict found by the merge queue: the conflicted tree is kept at refs/fleet/<run>/review/<id>
// (what `fleet resolve` and the diff show), and the task goes to review, or to its agent.
import type { TaskSpec } from '../../core/fleet.js';
import type { TaskRecord } from '../../core/state.js';
import { commitTree, type MergeResult } from '../../git/merge.js';
import { setRef } from '../../git/refs.js';
import { fleetRef, type EngineContext } from '../context.js';

/** A conflict goes to review with its tree anchored at refs/fleet/<run>/review/<id>. */
export async function conflictToReview(ctx: EngineContext, repo: string, task: TaskSpec, record: TaskRecord, tip: string, baseTip: string, merged: Extract<MergeResult, { kind: 'conflict' }>): Promise<void> {
  const anchor = await commitTree(repo, merged.tree, [baseTip, tip], `fleet: conflict of ${task.key} with ${task.base}`);
  await setRef(repo, fleetRef(ctx, 'review', task), anchor, 'fleet: conflict tree');
  ctx.emit({
    type: 'review',
    key: task.key,
    reason: 'conflict',
    message: `conflicts with ${task.base} in ${merged.paths.length} file(s)`,
    paths: merged.paths,
    tail: merged.messages.map((m) => m.text.trim()).join('\n'),
  });
  if (task.onConflict === 'agent') ctx.autoResolve(task.key, record.attempt);
}
