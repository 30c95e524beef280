import { taskStatus, waitingFor, type TaskStatus } from '../../core/selectors.js';
import type { RunState } from '../../core/state.js';
import { attemptElapsed } from './task-look.js';
import { plain } from '../print/plain-text.js';
import type { OrderedTask } from './task-order.js';

export type ListRow =
  | { kind: 'task'; key: string; depth: number; status: TaskStatus; elapsed: string; critical: boolean; conflict: boolean }
  /** A line under a task saying why it waits, stopped or will conflict: `└ needs schema`. */
  | { kind: 'hint'; key: string; depth: number; text: string; warn: boolean };

/** The task list as rows: each task, then its hints. */
export function listRows(state: RunState, order: readonly OrderedTask[], critical: ReadonlySet<string>, now: number): ListRow[] {
  const rows: ListRow[] = [];
  for (const { key, depth } of order) {
    const task = state.tasks[key];
    if (!task) continue;
    const status = taskStatus(state, key);
    const conflict = task.predictedConflicts !== undefined;
    rows.push({ kind: 'task', key, depth, status, elapsed: attemptElapsed(task, now), critical: critical.has(key), conflict });
    const why =
      waitingFor(state, key) ??
      (status === 'review' ? task.review?.message : undefined) ??
      (status === 'failed' ? task.failure?.message : undefined) ??
      (status === 'running' ? task.agentProgress?.action : undefined);
    if (why) rows.push({ kind: 'hint', key, depth, text: plain(why), warn: status === 'review' || status === 'failed' });
    if (conflict) rows.push({ kind: 'hint', key, depth, text: plain(`⚠ will conflict: ${task.predictedConflicts!.join(', ')}`), warn: true });
  }
  return rows;
}

/** First and last row index of a task (its hints included); undefined when it is not listed. */
export function rowSpan(rows: readonly ListRow[], key: string | undefined): { first: number; last: number } | undefined {
  const first = rows.findIndex((r) => r.key === key);
  if (first < 0) return undefined;
  let last = first;
  while (rows[last + 1]?.key === key && rows[last + 1]!.kind === 'hint') last++;
  return { first, last };
}

/**
 * The first visible row: unchanged while the selection stays in view, else moved just enough to
 * bring the selected task and its hints in (like htop or tig: no jumping pages, no re-centring).
 */
export function scrollTop(previous: number, span: { first: number; last: number } | undefined, height: number, total: number): number {
  const maxTop = Math.max(0, total - height);
  let top = Math.min(Math.max(0, previous), maxTop);
  if (!span) return top;
  if (span.last >= top + height) top = span.last - height + 1;
  if (span.first < top) top = span.first;
  return Math.max(0, Math.min(top, maxTop));
}
