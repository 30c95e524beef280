// Pure graph algorithms over task dependencies. Nodes are task keys; edges point from a task to
// the tasks it depends on. Iterative throughout so a 1000-deep chain cannot overflow the stack.

export interface DagNode {
  key: string;
  dependsOn: readonly string[];
}

/** Returns one dependency cycle as [a, b, …, a], or undefined when the graph is acyclic. */
export function findCycle(nodes: readonly DagNode[]): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.key, n.dependsOn]));
  const color = new Map<string, 'grey' | 'black'>();
  for (const start of nodes) {
    if (color.has(start.key)) continue;
    const path: string[] = [];
    const stack: { key: string; next: number }[] = [{ key: start.key, next: 0 }];
    color.set(start.key, 'grey');
    path.push(start.key);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const children = deps.get(top.key) ?? [];
      if (top.next >= children.length) {
        color.set(top.key, 'black');
        stack.pop();
        path.pop();
        continue;
      }
      const child = children[top.next++]!;
      if (!deps.has(child)) continue;
      const c = color.get(child);
      if (c === 'grey') return [...path.slice(path.indexOf(child)), child];
      if (c === undefined) {
        color.set(child, 'grey');
        path.push(child);
        stack.push({ key: child, next: 0 });
      }
    }
  }
  return undefined;
}

/**
 * Kahn's algorithm; ties keep the input order, so the plan reads like the file.
 * Unknown dependencies are ignored (config validation reports them). Throws on a cycle.
 */
export function topoOrder(nodes: readonly DagNode[]): string[] {
  const known = new Set(nodes.map((n) => n.key));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    const real = n.dependsOn.filter((d) => known.has(d));
    indegree.set(n.key, real.length);
    for (const d of real) dependents.set(d, [...(dependents.get(d) ?? []), n.key]);
  }
  const position = new Map(nodes.map((n, i) => [n.key, i]));
  let frontier = nodes.filter((n) => indegree.get(n.key) === 0).map((n) => n.key);
  const order: string[] = [];
  while (frontier.length > 0) {
    order.push(...frontier);
    const next: string[] = [];
    for (const k of frontier) {
      for (const dep of dependents.get(k) ?? []) {
        const left = indegree.get(dep)! - 1;
        indegree.set(dep, left);
        if (left === 0) next.push(dep);
      }
    }
    frontier = next.sort((a, b) => position.get(a)! - position.get(b)!);
  }
  if (order.length !== nodes.length) throw new Error(`dependency cycle: ${findCycle(nodes)?.join(' → ')}`);
  return order;
}

/** Groups tasks into waves: wave n holds the tasks whose longest dependency chain has n links. */
export function waves(nodes: readonly DagNode[]): string[][] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const level = new Map<string, number>();
  for (const key of topoOrder(nodes)) {
    const deps = byKey.get(key)!.dependsOn.filter((d) => byKey.has(d));
    level.set(key, deps.length === 0 ? 0 : Math.max(...deps.map((d) => level.get(d)!)) + 1);
  }
  const result: string[][] = [];
  for (const n of nodes) {
    const l = level.get(n.key)!;
    (result[l] ??= []).push(n.key);
  }
  return result;
}

/** The heaviest dependency chain, first task first. Weight defaults to 1 per task. */
export function criticalPath(nodes: readonly DagNode[], weight: (key: string) => number = () => 1): string[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const best = new Map<string, { total: number; via?: string }>();
  for (const key of topoOrder(nodes)) {
    let via: string | undefined;
    let prior = 0;
    for (const d of byKey.get(key)!.dependsOn) {
      const b = best.get(d);
      if (b && b.total > prior) {
        prior = b.total;
        via = d;
      }
    }
    best.set(key, { total: prior + weight(key), via });
  }
  let end: string | undefined;
  for (const [key, b] of best) if (end === undefined || b.total > best.get(end)!.total) end = key;
  const path: string[] = [];
  for (let k = end; k !== undefined; k = best.get(k)!.via) path.unshift(k);
  return path;
}

/**
 * For each task, how many tasks the longest chain of its dependents holds, itself included: the
 * sequential work that cannot start before it finishes. Dependencies across projects count.
 */
export function remainingPath(nodes: readonly DagNode[]): Map<string, number> {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const remaining = new Map<string, number>(nodes.map((n) => [n.key, 1]));
  // Dependents come after their dependencies in topological order, so walking it backwards sees
  // every dependent's final length before the task it depends on.
  for (const key of topoOrder(nodes).reverse()) {
    const length = remaining.get(key)!;
    for (const dep of byKey.get(key)!.dependsOn) {
      if (remaining.has(dep) && remaining.get(dep)! < length + 1) remaining.set(dep, length + 1);
    }
  }
  return remaining;
}

/**
 * Which ready task takes a free slot first (higher first): the longest remaining path, ties in
 * input (file) order. Starting the long chains early keeps the run from ending on one chain
 * running alone while the other slots idle (docs/decisions.md).
 */
export function schedulingPriority(nodes: readonly DagNode[]): Map<string, number> {
  const remaining = remainingPath(nodes);
  const n = nodes.length;
  return new Map(nodes.map((node, index) => [node.key, remaining.get(node.key)! * n + (n - 1 - index)]));
}
