// Scheduling in simulated time: no processes, only a DAG with durations and N slots, run the way
// the engine runs it — a task joins the slot queue when its dependencies finish, p-queue hands a
// free slot to the highest priority, equal priorities first come first served.
import { describe, expect, it } from 'vitest';
import { remainingPath, schedulingPriority, type DagNode } from '../../source/core/dag.js';

interface SimTask extends DagNode {
  duration: number;
}

const t = (key: string, duration: number, ...dependsOn: string[]): SimTask => ({ key, duration, dependsOn });

type Policy = 'file order' | 'sorted per pump' | 'critical path first';

/** Start times by key, in the order tasks started, and the makespan. */
function simulate(tasks: readonly SimTask[], slots: number, policy: Policy): { starts: [string, number][]; makespan: number } {
  const priority = schedulingPriority(tasks);
  const done = new Set<string>();
  const queued = new Set<string>();
  const waiting: { key: string; priority: number }[] = [];
  const running: { key: string; end: number }[] = [];
  const starts: [string, number][] = [];
  let now = 0;
  // Engine.pump(): every ready task not yet queued joins the queue, in file order.
  const pump = () => {
    let ready = tasks.filter((task) => !queued.has(task.key) && task.dependsOn.every((d) => done.has(d)));
    if (policy === 'sorted per pump') ready = [...ready].sort((a, b) => priority.get(b.key)! - priority.get(a.key)!);
    for (const task of ready) {
      queued.add(task.key);
      const p = policy === 'critical path first' ? priority.get(task.key)! : 0;
      // p-queue: after every entry of greater or equal priority.
      const at = waiting.findIndex((w) => w.priority < p);
      waiting.splice(at < 0 ? waiting.length : at, 0, { key: task.key, priority: p });
    }
  };
  pump();
  while (waiting.length > 0 || running.length > 0) {
    while (running.length < slots && waiting.length > 0) {
      const { key } = waiting.shift()!;
      starts.push([key, now]);
      running.push({ key, end: now + tasks.find((task) => task.key === key)!.duration });
    }
    now = Math.min(...running.map((r) => r.end));
    for (const r of running.filter((r) => r.end === now)) done.add(r.key);
    running.splice(0, running.length, ...running.filter((r) => r.end > now));
    pump();
  }
  return { starts, makespan: now };
}

/** No schedule can beat the heaviest chain, nor the total work spread over every slot. */
function lowerBound(tasks: readonly SimTask[], slots: number): number {
  const finish = new Map<string, number>();
  for (const task of tasks) finish.set(task.key, task.duration + Math.max(0, ...task.dependsOn.map((d) => finish.get(d)!)));
  const work = tasks.reduce((sum, task) => sum + task.duration, 0);
  return Math.max(...finish.values(), Math.ceil(work / slots));
}

describe('remainingPath', () => {
  it('counts the tasks on the longest chain of dependents, across projects', () => {
    const nodes = [t('api:schema', 1), t('api:endpoints', 1, 'api:schema'), t('web:client', 1, 'api:endpoints'), t('web:docs', 1), t('api:lint', 1, 'api:schema')];
    expect(Object.fromEntries(remainingPath(nodes))).toEqual({ 'api:schema': 3, 'api:endpoints': 2, 'web:client': 1, 'web:docs': 1, 'api:lint': 1 });
  });

  it('takes the longer branch of a diamond', () => {
    const nodes = [t('a', 1), t('b', 1, 'a'), t('c', 1, 'a'), t('d', 1, 'c'), t('e', 1, 'b', 'd')];
    expect(remainingPath(nodes).get('a')).toBe(4);
  });
});

describe('critical path first', () => {
  // Six short tasks written first, then a chain of four longer ones.
  const tasks = [
    ...['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((key) => t(key, 1)),
    t('h1', 2),
    t('h2', 2, 'h1'),
    t('h3', 2, 'h2'),
    t('h4', 2, 'h3'),
  ];

  it('reaches the lower bound where file order leaves the chain running alone at the end', () => {
    expect(lowerBound(tasks, 2)).toBe(8);
    expect(simulate(tasks, 2, 'critical path first').makespan).toBe(8);
    expect(simulate(tasks, 2, 'file order').makespan).toBe(11);
  });

  it('lets a task that just became ready pass tasks already waiting, which sorting each pump alone does not', () => {
    expect(simulate(tasks, 2, 'sorted per pump').makespan).toBe(10);
    const starts = simulate(tasks, 2, 'critical path first').starts;
    expect(starts.filter(([key]) => key.startsWith('h'))).toEqual([
      ['h1', 0],
      ['h2', 2],
      ['h3', 4],
      ['h4', 6],
    ]);
  });

  it('with unit tasks and chains of different lengths, finishes in the optimum', () => {
    const unit = [t('a', 1), t('b', 1), t('c', 1), t('d', 1), t('p1', 1), t('p2', 1, 'p1'), t('q1', 1), t('q2', 1, 'q1'), t('q3', 1, 'q2'), t('q4', 1, 'q3')];
    expect(lowerBound(unit, 3)).toBe(4);
    expect(simulate(unit, 3, 'critical path first').makespan).toBe(4);
    expect(simulate(unit, 3, 'file order').makespan).toBe(5);
  });

  it('breaks ties in file order', () => {
    const ties = [t('p1', 1), t('p2', 1, 'p1'), t('solo', 1), t('q1', 1), t('q2', 1, 'q1')];
    expect(simulate(ties, 1, 'critical path first').starts.map(([key]) => key)).toEqual(['p1', 'q1', 'p2', 'solo', 'q2']);
    const flat = [t('c', 1), t('a', 1), t('b', 1)];
    expect(simulate(flat, 1, 'critical path first').starts.map(([key]) => key)).toEqual(['c', 'a', 'b']);
  });
});
