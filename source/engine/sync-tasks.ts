import type { TaskInfo } from '../core/events.js';
import type { FleetSpec, TaskSpec } from '../core/fleet.js';
import type { RunState } from '../core/state.js';
import type { EventInput } from './context.js';

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
 * archive (if they have work) and remove.
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
