import { disabledReason, refusal, type TaskAction } from '../core/actions.js';
import { HAS_RUNNING_PROCESS } from '../core/selectors.js';
import type { RevisionComment } from '../core/events.js';
import type { TaskRecord } from '../core/state.js';
import { autoCommit } from '../git/commit.js';
import { worktreePath } from './context.js';
import type { Engine, Feedback } from './engine.js';

export class ActionRefused extends Error {}

/**
 * Applies one user action to one task; resolves with a sentence saying what happened. Whether the
 * action applies is core/actions.ts's to say; this is only what it does.
 */
export async function applyAction(engine: Engine, action: TaskAction, key: string, given: { candidate?: number; comments?: readonly RevisionComment[] } = {}): Promise<string> {
  const ctx = engine.ctx;
  const record = ctx.store.state.tasks[key];
  if (!record) throw new ActionRefused(`there is no task "${key}" in this run`);
  const refuse = (why: string): never => {
    throw new ActionRefused(refusal(action, key, why));
  };
  const why = disabledReason(action, record, ctx.store.state);
  if (why) refuse(why);
  switch (action) {
    case 'pause':
      if (record.paused) return `${key} is already paused`;
      ctx.jobs.get(key)?.pause();
      ctx.emit({ type: 'task_paused', key });
      return record.state === 'pending' ? `${key} is held: it will not start until resumed` : `${key} is paused`;
    case 'resume':
      if (!record.paused) return `${key} is not paused`;
      ctx.jobs.get(key)?.resume();
      ctx.emit({ type: 'task_resumed', key });
      return `${key} resumed`;
    case 'cancel':
      if (HAS_RUNNING_PROCESS.has(record.state)) await engine.stopTask(key);
      if (record.state === 'pending') await engine.releaseWarm(key);
      ctx.emit({ type: 'task_cancelled', key });
      if (record.state === 'pending' && record.attempt === 0) return `${key} cancelled before it started (retry it later to start it)`;
      return `${key} cancelled; its worktree and branch are kept (retry or discard it later)`;
    case 'retry': {
      const archived = await engine.archiveAttempt(ctx.task(key), record.attempt);
      if (!engine.schedule(key, { startAt: 'fresh', forced: true, failure: feedbackOf(record) })) refuse('it is already scheduled');
      return `${key} will start a fresh attempt${archived ? ` (previous work archived at ${archived})` : ''}`;
    }
    case 'requeue': {
      const task = ctx.task(key);
      const path = record.worktree ?? worktreePath(ctx, task);
      const { tip } = await autoCommit(path, `${task.title} (fixed by hand)\n\nFleet-Task: ${task.id}`, [...task.copy, ...task.link]);
      if (tip === record.passedTip) {
        ctx.emit({ type: 'task_requeued', key });
        return `${key} is back in the merge queue`;
      }
      // The tip changed since its check passed (or it never passed): check it again first.
      if (!engine.schedule(key, { startAt: 'check', forced: true })) refuse('it is already scheduled');
      return `${key} changed since its check passed; re-running the check before it queues`;
    }
    case 'revise': {
      const comments = given.comments ?? [];
      if (comments.length === 0) refuse('there is no comment to send; write at least one');
      const revision = { comments: [...comments], report: feedbackOf(record) };
      if (!engine.schedule(key, { startAt: 'revise', forced: true, revision })) refuse('it is already scheduled');
      const n = comments.length === 1 ? 'one comment' : `${comments.length} comments`;
      const then = ctx.task(key).approve ? 'held for your approval again' : 'queued';
      return `${key}: ${n} sent; its agent revises the change in the same worktree, then it is checked and ${then} as usual`;
    }
    case 'resolve':
      if (record.resolveRequested) refuse('a resolve is already requested');
      ctx.emit({ type: 'resolve_requested', key });
      if (!engine.schedule(key, { startAt: 'resolve', forced: true })) refuse('it is already scheduled');
      return `${key}: merging ${ctx.task(key).base} into its branch; the agent resolves ${record.review?.paths.join(', ')}`;
    case 'approve':
      ctx.emit({ type: 'task_approved', key });
      return `${key} approved: it joins the merge queue`;
    case 'accept':
    case 'discard': {
      if (HAS_RUNNING_PROCESS.has(record.state)) await engine.stopTask(key);
      if (record.state === 'pending') await engine.releaseWarm(key);
      const archived = record.attempt > 0 ? await engine.archiveAttempt(ctx.task(key), record.attempt) : null;
      ctx.emit({ type: action === 'accept' ? 'task_accepted' : 'task_discarded', key, archiveRef: archived });
      const where = archived ? `; its work is archived at ${archived}` : '';
      return action === 'accept'
        ? `${key} accepted without merging${where}; dependents will start from the current base, without its change`
        : `${key} discarded${where}`;
    }
    case 'pick':
      return engine.candidates.overrule(key, given.candidate).catch((error: Error) => refuse(error.message.replace(`${key}: `, '')));
  }
}

function feedbackOf(record: TaskRecord): Feedback | undefined {
  if (record.failure) return { attempt: record.attempt, summary: record.failure.message, detail: record.failure.tail };
  if (record.review) {
    const detail = [record.review.paths.join('\n'), record.review.tail].filter(Boolean).join('\n\n');
    return { attempt: record.attempt, summary: record.review.message, detail };
  }
  return undefined;
}
