// Dependency checks across tasks: every entry of depends_on names a task that exists, is not the
// task itself, shares the base when it lives in the same repository, and no chain comes back
// around. Entries are resolved to task keys here.
import { findCycle } from '../core/dag.js';
import { quote } from './describe.js';
import type { DraftIssue, PathSegment } from './issue.js';
import { didYouMean } from './suggest.js';

export interface GraphTask {
  key: string;
  id: string;
  project: string;
  base: string;
  /** Path of the task's map in the file, e.g. ['tasks', 2]. */
  path: PathSegment[];
  dependsOn: readonly string[];
}

/** Resolves every task's depends_on to keys (in place of the written form) and reports problems. */
export function checkGraph(tasks: readonly GraphTask[], multiProject: boolean): { deps: Map<string, string[]>; issues: DraftIssue[] } {
  const byProject = new Map<string, Map<string, GraphTask>>();
  for (const task of tasks) {
    if (!byProject.has(task.project)) byProject.set(task.project, new Map());
    byProject.get(task.project)!.set(task.id, task);
  }
  const issues: DraftIssue[] = [];
  const deps = new Map<string, string[]>();
  for (const task of tasks) {
    const keys = new Set<string>();
    task.dependsOn.forEach((written, index) => {
      const at = [...task.path, 'depends_on', index];
      const found = findTarget(written, task, byProject, multiProject);
      if ('problem' in found) {
        issues.push({ path: at, at: 'value', message: found.problem, ...(found.hint ? { hint: found.hint } : {}) });
        return;
      }
      const target = found.target;
      if (target.key === task.key) {
        issues.push({ path: at, at: 'value', message: `task ${quote(task.key)} depends on itself` });
        return;
      }
      if (target.project === task.project && target.base !== task.base) {
        const message =
          `depends on ${quote(target.key)}, which merges into ${quote(target.base)}, but this task's base is ${quote(task.base)}; ` +
          'tasks that depend on each other in one repository must share a base';
        issues.push({ path: at, at: 'value', message });
        return;
      }
      keys.add(target.key);
    });
    deps.set(task.key, [...keys]);
  }
  const cycle = cycleIssue(tasks, deps);
  if (cycle) issues.push(cycle);
  return { deps, issues };
}

type Found = { target: GraphTask } | { problem: string; hint?: string };

function findTarget(written: string, task: GraphTask, byProject: Map<string, Map<string, GraphTask>>, multiProject: boolean): Found {
  const colon = written.indexOf(':');
  if (colon >= 0 && !multiProject) {
    return {
      problem: `${quote(written)} names a project, but this file has no projects: section`,
      hint: 'without projects:, a dependency is the id of another task in this file',
    };
  }
  const project = colon >= 0 ? written.slice(0, colon) : task.project;
  const id = colon >= 0 ? written.slice(colon + 1) : written;
  const ids = byProject.get(project);
  if (!ids) {
    return { problem: `unknown project ${quote(project)} in ${quote(written)}${didYouMean(project, [...byProject.keys()])}` };
  }
  const target = ids.get(id);
  if (target) return { target };
  const prefix = colon >= 0 ? `${project}:` : '';
  let suggestion = didYouMean(written, [...ids.keys()].map((known) => prefix + known));
  if (suggestion === '' && colon < 0) {
    // A bare id that exists in another project: the user most likely forgot the prefix.
    const elsewhere = [...byProject].find(([, others]) => others.has(id));
    if (elsewhere) suggestion = ` (did you mean ${JSON.stringify(`${elsewhere[0]}:${id}`)}?)`;
  }
  return { problem: `unknown task ${quote(written)}${suggestion}` };
}

function cycleIssue(tasks: readonly GraphTask[], deps: Map<string, string[]>): DraftIssue | undefined {
  const cycle = findCycle(tasks.map((t) => ({ key: t.key, dependsOn: deps.get(t.key) ?? [] })));
  if (!cycle) return undefined;
  // Start the loop at the task written first, so the message and position do not depend on search order.
  const order = new Map(tasks.map((t, i) => [t.key, i]));
  const loop = cycle.slice(0, -1);
  let start = 0;
  loop.forEach((key, i) => {
    if (order.get(key)! < order.get(loop[start]!)!) start = i;
  });
  const rotated = [...loop.slice(start), ...loop.slice(0, start)];
  const first = tasks[order.get(rotated[0]!)!]!;
  return {
    path: [...first.path, 'depends_on'],
    at: 'value',
    message: `dependency cycle: ${[...rotated, rotated[0]].join(' → ')}`,
    hint: 'remove one of these dependencies',
  };
}
