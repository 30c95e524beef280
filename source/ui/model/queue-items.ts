import type { RunState, TaskRecord } from '../../core/state.js';
import { plain } from '../print/plain-text.js';

export interface QueueItem {
  text: string;
  tone: 'active' | 'waiting' | 'warn';
}

export const QUEUE_TITLE = 'MERGE QUEUE  ';
export const SEPARATOR = ' · ';

/**
 * The merge queue in queue order: what is merging now (and its step), then what waits, oldest
 * check pass first (docs/merge-queue.md#batches: one queue per repo, in order of check pass), then the
 * reviews the queue produced (conflicts, failed gate checks) — the items that need a human.
 */
export function queueItems(state: RunState): QueueItem[] {
  const tasks = state.order.map((k) => state.tasks[k]!);
  const merging = tasks.filter((t) => t.state === 'merging').sort((a, b) => a.since - b.since);
  const queued = tasks.filter((t) => t.state === 'queued').sort((a, b) => queuedAt(a) - queuedAt(b));
  const reviews = tasks.filter((t) => t.state === 'review' && (t.review?.reason === 'conflict' || t.review?.reason === 'gate_failed'));
  const items: QueueItem[] = [
    ...mergingItems(merging),
    ...queued.map((t): QueueItem => ({
      text: `${t.key} (${t.waitReason ? `waiting: ${t.waitReason}` : 'queued'})${t.predictedConflicts ? ` ⚠ will conflict: ${t.predictedConflicts.join(', ')}` : ''}`,
      tone: t.waitReason || t.predictedConflicts ? 'warn' : 'waiting',
    })),
    ...reviews.map((t): QueueItem => ({
      text: t.review!.reason === 'conflict' ? `⚠ ${t.key} conflict: ${t.review!.paths.join(', ')}` : `⚠ ${t.key} gate check failed`,
      tone: 'warn',
    })),
  ];
  return items.map((item) => ({ ...item, text: plain(item.text) }));
}

/**
 * What is merging, one item per batch: `▶ t3 (gate check)` for a batch of one, `▶ gating 8 (batch)`
 * for a batch's gate run, `▶ bisecting 4 | 4` while a failed batch is bisected (the run holds 4).
 */
function mergingItems(merging: readonly TaskRecord[]): QueueItem[] {
  const items: QueueItem[] = [];
  const seen = new Set<number>();
  for (const t of merging) {
    const b = t.batch;
    if (b && seen.has(b.id)) continue;
    if (b) seen.add(b.id);
    const members = b ? merging.filter((m) => m.batch?.id === b.id) : [t];
    let text: string;
    if (!b) text = `▶ ${t.key} (${t.candidate ? 'gate check' : 'merging'})`;
    else if (b.step === 'bisecting') text = b.testing ? `▶ bisecting ${b.testing} | ${b.size - b.testing}` : `▶ bisecting ${b.size}`;
    else if (members.length === 1) text = `▶ ${t.key} (${b.step === 'landing' ? 'merging' : 'gate check'})`;
    else text = `▶ ${b.step === 'landing' ? 'landing' : 'gating'} ${members.length} (${b.speculative ? 'stacked' : 'batch'})`;
    items.push({ text, tone: 'active' });
  }
  return items;
}

function queuedAt(t: TaskRecord): number {
  return t.queuedAt ?? t.since;
}

/**
 * Packs items into at most `maxLines` lines of `width` columns; the first line starts with the
 * title. What does not fit ends the last line as "+N more". An item longer than a line gets a
 * line of its own and is truncated when drawn.
 */
export function packQueue(items: readonly QueueItem[], width: number, maxLines: number): QueueItem[][] {
  const lines: QueueItem[][] = [[]];
  let used = QUEUE_TITLE.length;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const line = lines[lines.length - 1]!;
    const cost = (line.length > 0 ? SEPARATOR.length : 0) + item.text.length;
    const last = lines.length === maxLines;
    const reserve = last && i < items.length - 1 ? moreText(items.length - i - 1).length + SEPARATOR.length : 0;
    if (line.length === 0 || used + cost + reserve <= width) {
      line.push(item);
      used += cost;
      continue;
    }
    if (last) {
      line.push({ text: moreText(items.length - i), tone: 'waiting' });
      break;
    }
    lines.push([item]);
    used = item.text.length;
  }
  return lines;
}

function moreText(n: number): string {
  return `+${n} more`;
}
