import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HAS_RUNNING_PROCESS } from '../core/selectors.js';
import type { RunState, TaskRecord } from '../core/state.js';
import { worktreePath, type EngineContext } from './context.js';
import type { Engine, StartOrder } from './engine.js';

/**
 * What a crash or interrupt left mid-way (docs/design.md#crash-safety: an attempt cut short by fleet itself resumes
 * in its worktree and uses no retry). An agent still running detached is adopted; one that
 * finished meanwhile has its exit status collected; anything else of the task's is stopped
 * before its worktree is touched. Returns where each interrupted attempt picks up.
 */
export async function resumeInterrupted(engine: Engine, state: RunState): Promise<Map<string, StartOrder>> {
  const ctx = engine.ctx;
  const resume = new Map<string, StartOrder>();
  for (const key of state.order) {
    const t = state.tasks[key]!;
    const spec = ctx.spec.tasks.find((s) => s.key === key);
    if (!spec) continue;
    const owner = { runId: ctx.runId, project: spec.project, taskId: spec.id };
    const active = HAS_RUNNING_PROCESS.has(t.state);
    if (active && t.failure) {
      // It failed and a retry was due when fleet stopped: archive the failed attempt (idempotent), then retry.
      await ctx.runner.killTask(t.pid, owner);
      await engine.archiveAttempt(spec, t.attempt);
      resume.set(key, { startAt: 'fresh', forced: true, failure: { attempt: t.attempt, summary: t.failure.message, detail: t.failure.tail } });
    } else if (t.state === 'running' && t.pid !== undefined && t.pidStart) {
      resume.set(key, { startAt: 'agent', forced: true, adopt: { pid: t.pid, startTime: t.pidStart } });
    } else if (active) {
      await ctx.runner.killTask(t.pid, owner);
      clearStaleIndexLock(ctx, t);
      resume.set(key, { startAt: t.state === 'preparing' ? 'setup' : t.state === 'running' ? 'agent' : 'check', forced: true });
    } else if (t.state === 'review' && t.resolveRequested) {
      // Asked for and answered, but the crash came before it had a slot: it still happens.
      resume.set(key, { startAt: 'resolve', forced: true });
    } else if (t.state === 'merged' && t.cleanupPending) {
      await engine.queueFor(spec).cleanup(spec, t);
    } else if (t.state === 'merging') {
      // A gate run of the dead process may still be checking in the gate worktree the queue is
      // about to reuse: it runs with the batch's first task's identity, so it is found like an agent.
      await ctx.runner.killTask(undefined, owner);
      // The queue re-checks refs before building anything, so a merge that landed is not repeated.
      ctx.emit({ type: 'merge_waiting', key, reason: 'resuming an interrupted merge' });
    }
    if (active && !t.interrupted) ctx.emit({ type: 'task_interrupted', key });
    if (t.paused && active) ctx.emit({ type: 'task_resumed', key }); // a stopped group did not survive the restart
  }
  return resume;
}

/**
 * A task's own processes are all gone (killed above), so an index.lock left in its worktree's
 * admin dir can only be stale: git never removes one itself, and the agent's next `git add` would fail.
 */
function clearStaleIndexLock(ctx: EngineContext, t: TaskRecord): void {
  const path = t.worktree ?? worktreePath(ctx, ctx.task(t.key));
  let adminDir: string | undefined;
  try {
    adminDir = /^gitdir: (.+)$/m.exec(readFileSync(join(path, '.git'), 'utf8'))?.[1]?.trim();
  } catch {
    return; // no worktree yet
  }
  const lock = adminDir && join(adminDir, 'index.lock');
  if (lock && existsSync(lock)) {
    rmSync(lock, { force: true });
    process.stderr.write(`fleet: removed a stale ${lock} left by ${t.key}'s interrupted processes\n`);
  }
}
