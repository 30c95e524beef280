import type { TaskInfo } from '../core/events.js';
import type { FleetSpec, TaskSpec } from '../core/fleet.js';
import type { RunState } from '../core/state.js';
import type { EventInput } from './context.js';
import type { Engine } from './engine.js';
import { retireTask } from './worktrees/retire.js';

export function taskInfo(task: TaskSpec): TaskInfo {
  return {
    key: task.key,
    id: task.id,
    project: task.project,
    title: task.title,
    dependsOn: task.dependsOn,
    agent: task.run !== undefined ? 'run' : task.agent,
    base: task.base,
    retries: task.retries,
    ...(task.budget && { budget: task.budget }),
  };
}

const same = (a: TaskInfo, b: TaskInfo) => JSON.stringify(a) === JSON.stringify(b);

/** The TaskInfo part of a stored record, in the same key order as taskInfo(). */
function infoOf(r: TaskInfo): TaskInfo {
  const { key, id, project, title, dependsOn, agent, base, retries, budget } = r;
  return { key, id, project, title, dependsOn, agent, base, retries, ...(budget && { budget }) };
}

/**
 * Re-reading the fleet file on resume (docs/design.md#state-on-disk): tasks match by key, new ones join, edited ones
 * take effect from their next attempt. Tasks no longer in the file are returned for the caller to
 * archive (if they have work) and remove: `removeTasks`.
 */
export function syncTasks(spec: FleetSpec, state: RunState): { events: EventInput[]; removed: string[] } {
  const events: EventInput[] = [];
  const keys = new Set(spec.tasks.map((t) => t.key));
  for (const task of spec.tasks) {
    const info = taskInfo(task);
    const existing = state.tasks[task.key];
    if (!existing) events.push({ type: 'task_added', task: info });
    else if (!same(info, infoOf(existing))) events.push({ type: 'task_updated', task: info });
  }
  const removed = state.order.filter((k) => !keys.has(k));
  return { events, removed };
}

/**
 * Tasks no longer in the fleet file leave the run (docs/design.md#state-on-disk): their processes
 * stopped, their work archived (`attempt_archived`, `candidate_archived`), their worktrees,
 * branches and run refs removed, then `task_removed`. Archives go to free `<run>-clean[-n]` names,
 * so a task of the same id put back into this run starts fresh at attempt 1 with names of its own.
 * Work that cannot be archived is left where it is (said on `warn`), never deleted.
 */
export async function removeTasks(engine: Engine, keys: readonly string[], warn: (line: string) => void): Promise<void> {
  const ctx = engine.ctx;
  for (const key of keys) {
    const record = ctx.store.state.tasks[key];
    if (!record) continue;
    const project = ctx.spec.projects.find((p) => p.name === record.project);
    try {
      if (!project) throw new Error(`its project ${record.project} is no longer in the fleet file`);
      const why = 'removed from the fleet file';
      const kept = await retireTask(record, { runner: ctx.runner, project, runId: ctx.runId, why, naming: 'free', dropRunRefs: true });
      if (kept.attempt) engine.emit({ type: 'attempt_archived', key, attempt: record.attempt, ref: kept.attempt });
      for (const c of kept.candidates) engine.emit({ type: 'candidate_archived', key, candidate: c.n, ref: c.ref });
    } catch (error) {
      warn(`fleet: ${key} left the fleet file, but its work could not be archived, so its worktree and branch are kept: ${(error as Error).message}`);
    }
    engine.emit({ type: 'task_removed', key });
  }
}
