// Stacking a batch (docs/merge-queue.md, Batches): each task's candidate is built with
// merge-tree/commit-tree on top of the one before it, so each keeps its own commit on base's
// first-parent history, with its Fleet-Task trailer, and the batch's tip is gated once.
import type { TaskSpec } from '../../core/fleet.js';
import type { TaskRecord } from '../../core/state.js';
import { commitTree, mergeTree, type MergeResult } from '../../git/merge.js';

export interface Member {
  task: TaskSpec;
  record: TaskRecord;
  /** The commit whose check passed (the branch tip). */
  tip: string;
  /** Its own commit in the stack. */
  commit: string;
}

export interface Stack {
  onto: string;
  members: Member[];
  /** Conflicts with the tree they were stacked on, by task key. */
  conflicts: { task: TaskSpec; record: TaskRecord; tip: string; onto: string; result: Extract<MergeResult, { kind: 'conflict' }> }[];
}

export function commitMessage(task: TaskSpec): string {
  const subject = task.merge === 'merge' ? `Merge fleet task ${task.id}: ${task.title}` : task.title;
  return `${subject}\n\nFleet-Task: ${task.id}\n`;
}

/** Builds one task's commit on `onto`: a merge commit (two parents) or a squash (one). */
export async function stackOne(repo: string, onto: string, task: TaskSpec, tip: string): Promise<{ commit: string } | { conflict: Extract<MergeResult, { kind: 'conflict' }> }> {
  const merged = await mergeTree(repo, onto, tip);
  if (merged.kind === 'conflict') return { conflict: merged };
  return { commit: await commitTree(repo, merged.tree, task.merge === 'merge' ? [onto, tip] : [onto], commitMessage(task)) };
}

/**
 * Stacks `candidates` in order on `onto`. A task that conflicts with the stack is left out and
 * reported; the next task is stacked on what came before it.
 */
export async function buildStack(repo: string, onto: string, candidates: readonly { task: TaskSpec; record: TaskRecord; tip: string }[]): Promise<Stack> {
  const stack: Stack = { onto, members: [], conflicts: [] };
  let top = onto;
  for (const c of candidates) {
    const built = await stackOne(repo, top, c.task, c.tip);
    if ('conflict' in built) {
      stack.conflicts.push({ ...c, onto: top, result: built.conflict });
      continue;
    }
    stack.members.push({ ...c, commit: built.commit });
    top = built.commit;
  }
  return stack;
}

export function tipOf(stack: { onto: string; members: readonly Member[] }): string {
  return stack.members.at(-1)?.commit ?? stack.onto;
}

/** Tasks share a batch only when one gate run tests them all: same base, setup and check. */
export function sameGate(a: TaskSpec, b: TaskSpec): boolean {
  return a.base === b.base && a.timeoutMs === b.timeoutMs && same(a.check, b.check) && same(a.setup, b.setup) && same(a.copy, b.copy) && same(a.link, b.link);
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Filling a batch (docs/merge-queue.md): while tasks with the same gate are still running their
 * own checks and should pass within one check time, the first batch waits for them, so one gate
 * run tests them all instead of one run each. Never longer than one check time after the oldest
 * queued task. Undefined: start now.
 */
export function holdUntil(head: TaskSpec, group: readonly TaskRecord[], checking: readonly TaskRecord[], batchSize: number): number | undefined {
  if (head.check.length === 0 || group.length >= batchSize || checking.length === 0) return undefined;
  const checkTime = Math.max(...group.map((t) => t.checkedFor ?? 0));
  if (checkTime === 0) return undefined;
  const expected = Math.max(...checking.map((t) => t.since + checkTime));
  return Math.min(expected, Math.min(...group.map((t) => t.queuedAt ?? t.since)) + checkTime);
}
