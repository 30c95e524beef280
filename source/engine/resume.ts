import { killTask } from '../agents/processes.js';
import type { RunState } from '../core/state.js';
import type { StartAt } from './attempt.js';
import type { EngineContext } from './context.js';

/**
 * What a crash or interrupt left mid-way (SPEC §2: an attempt cut short by fleet itself resumes
 * in its worktree and uses no retry). Leftover processes of the previous fleet are stopped before
 * anything touches their worktrees. Returns where each interrupted attempt picks up.
 */
export async function resumeInterrupted(ctx: EngineContext, state: RunState): Promise<Map<string, StartAt>> {
  const resume = new Map<string, StartAt>();
  for (const key of state.order) {
    const t = state.tasks[key]!;
    const spec = ctx.spec.tasks.find((s) => s.key === key);
    if (!spec) continue;
    if (t.state === 'preparing' || t.state === 'running' || t.state === 'checking') {
      await killTask(t.pid, { runId: ctx.runId, project: spec.project, taskId: spec.id });
      if (!t.interrupted) ctx.emit({ type: 'task_interrupted', key });
      resume.set(key, t.state === 'preparing' ? 'setup' : t.state === 'running' ? 'agent' : 'check');
    } else if (t.state === 'merging') {
      // The queue re-checks refs before building anything, so a merge that landed is not repeated.
      ctx.emit({ type: 'merge_waiting', key, reason: 'resuming an interrupted merge' });
    }
    if (t.paused && t.state !== 'pending') ctx.emit({ type: 'task_resumed', key }); // a stopped group did not survive
  }
  return resume;
}
