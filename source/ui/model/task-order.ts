import { ACTIVE, needsYou, taskStatus } from '../../core/selectors.js';
import type { RunState } from '../../core/state.js';

export interface OrderedTask {
  key: string;
  /** Length of the longest dependency chain below the task: its indentation in the list. */
  depth: number;
}

/**
 * Tasks in a topological order that reads like the file: each task comes as early as it can,
 * right after the dependencies it still needs (depth first), so a chain stays together instead
 * of being spread over waves. For a file already written in dependency order this is file order.
 * Iterative, so a 1000-deep chain cannot overflow the stack; a cycle (rejected by validation)
 * cannot loop because every task is entered once.
 */
export function displayOrder(state: RunState): OrderedTask[] {
  const depth = new Map<string, number>();
  const entered = new Set<string>();
  const out: OrderedTask[] = [];
  for (const root of state.order) {
    const stack = [{ key: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next === 0) {
        if (entered.has(top.key)) {
          stack.pop();
          continue;
        }
        entered.add(top.key);
      }
      const deps = state.tasks[top.key]?.dependsOn ?? [];
      const dep = deps[top.next++];
      if (dep !== undefined) {
        if (state.tasks[dep] && !entered.has(dep)) stack.push({ key: dep, next: 0 });
        continue;
      }
      stack.pop();
      const d = Math.max(-1, ...deps.map((k) => depth.get(k) ?? -1)) + 1;
      depth.set(top.key, d);
      out.push({ key: top.key, depth: d });
    }
  }
  return out;
}

/**
 * The attention order: what needs the user, then what is at work, then what waits, then what is
 * over; within each group the DAG order stays. Flat (depth 0): indentation would claim a chain.
 */
export function attentionOrder(state: RunState, dagOrder: readonly OrderedTask[]): OrderedTask[] {
  const group = (key: string): number => {
    const t = state.tasks[key];
    if (!t) return 3;
    if (needsYou(t, state)) return 0;
    if (ACTIVE.has(t.state)) return 1;
    return t.state === 'pending' ? 2 : 3;
  };
  return dagOrder.map((o, i) => ({ o, i, g: group(o.key) })).sort((a, b) => a.g - b.g || a.i - b.i).map(({ o }) => ({ key: o.key, depth: 0 }));
}

/** The next task after `from` (wrapping, `from` itself last) among `visible` that needs the user. */
export function nextNeedingYou(state: RunState, visible: readonly string[], from: string | undefined): string | undefined {
  const start = from === undefined ? -1 : visible.indexOf(from);
  for (let step = 1; step <= visible.length; step++) {
    const key = visible[(start + step + visible.length) % visible.length]!;
    const t = state.tasks[key];
    if (t && needsYou(t, state)) return key;
  }
  return undefined;
}

/** Case-insensitive match on key, title, agent and the status word ("/review" shows tasks in review). */
export function matchesFilter(state: RunState, key: string, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return true;
  const t = state.tasks[key];
  if (!t) return false;
  return [key, t.title, t.agent, taskStatus(state, key)].some((s) => s.toLowerCase().includes(needle));
}

/** Keys of the listed tasks: display order, filtered. */
export function visibleKeys(state: RunState, order: readonly OrderedTask[], filter: string): string[] {
  return order.filter((o) => matchesFilter(state, o.key, filter)).map((o) => o.key);
}
