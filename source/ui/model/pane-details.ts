import { formatTokens, spendText } from '../../core/budget.js';
import { needsYou, taskStatus, waitingFor } from '../../core/selectors.js';
import type { RunState, TaskRecord } from '../../core/state.js';
import { candidateLines } from './candidate-lines.js';
import { placeOf } from './diff-lines.js';
import { plain } from '../print/plain-text.js';

export interface DetailLine {
  text: string;
  tone: 'plain' | 'dim' | 'warn' | 'error';
}

const REVIEW_REASON = {
  conflict: 'conflict',
  gate_failed: 'gate check failed',
  no_changes: 'no changes',
  unsafe_change: 'unsafe change',
  rate_limit: 'held (rate limit)',
} as const;

/**
 * What the agent pane says above a task's output: why it needs a human (review reason and
 * conflicting paths or the failing check's tail; the failure and its tail), what it waits for,
 * where its work is, and the next steps (`actions` from the keymap, wrapped to `width`). At most
 * `budget` lines: path lists and tails are cut to fit, keeping the last lines of a tail.
 */
export function paneDetails(state: RunState, key: string, actions: readonly string[], width: number, budget: number): DetailLine[] {
  const task = state.tasks[key];
  if (!task || budget <= 0) return [];
  const status = taskStatus(state, key);
  const head: DetailLine[] = [];
  let list: DetailLine[] = [];
  let listFrom: 'start' | 'end' = 'start';
  const foot: DetailLine[] = [];

  if (status === 'review' && task.review) {
    head.push({ text: `⚠ review (${REVIEW_REASON[task.review.reason]}): ${task.review.message}`, tone: 'warn' });
    if (task.review.paths.length > 0) {
      const what = task.review.reason === 'conflict' ? 'conflicting paths' : 'paths';
      head.push({ text: `${what} (${task.review.paths.length}):`, tone: 'plain' });
      list = task.review.paths.map((p) => ({ text: `  ${p}`, tone: 'plain' }));
    } else {
      list = tailLines(task.review.tail);
      listFrom = 'end';
    }
  } else if (status === 'failed' && task.failure) {
    head.push({
      text:
        task.failure.phase === 'internal'
          ? `✗ fleet's fault, not the task's: ${task.failure.message} (details in daemon.log; retry starts it again)`
          : `✗ failed in ${task.failure.phase}: ${task.failure.message}`,
      tone: 'error',
    });
    list = tailLines(task.failure.tail);
    listFrom = 'end';
  } else if (status === 'awaiting_approval') {
    head.push({ text: '? awaiting approval: its check passed; approving lets it into the merge queue', tone: 'warn' });
  } else {
    const why = waitingFor(state, key);
    if (why) head.push({ text: `waiting: ${why}`, tone: 'dim' });
    if (task.predictedConflicts) {
      head.push({ text: `⚠ will conflict with ${task.base}: ${task.predictedConflicts.join(', ')}`, tone: 'warn' });
    }
    const activity = agentActivity(task);
    if (activity) head.push({ text: activity, tone: 'dim' });
    head.push(...outcome(task));
  }
  head.push(...candidateLines(task));
  head.push(...lastRevision(task));
  if (task.worktree && (needsYou(task, state) || status === 'cancelled')) {
    foot.push({ text: `worktree ${task.worktree}`, tone: 'dim' });
  }
  if (actions.length > 0 && (needsYou(task, state) || status === 'cancelled')) {
    foot.push(...wrapParts(['next:', ...actions], width).map((text): DetailLine => ({ text, tone: 'plain' })));
  }
  return fit(head, list, listFrom, foot, budget).map((line) => ({ ...line, text: plain(line.text) }));
}

/** The comments last sent to the agent: the pane's record of what it was told (all are journaled). */
function lastRevision(task: TaskRecord): DetailLine[] {
  const revisions = task.revisions ?? [];
  const last = revisions.at(-1);
  if (!last) return [];
  return [
    { text: `✎ revision ${revisions.length} sent ${last.comments.length === 1 ? 'one comment' : `${last.comments.length} comments`}:`, tone: 'dim' },
    ...last.comments.map((c): DetailLine => ({ text: `  ${placeOf(c)}: ${c.text.replace(/\s+/g, ' ')}`, tone: 'plain' })),
  ];
}

function outcome(task: TaskRecord): DetailLine[] {
  const lines: DetailLine[] = [];
  if (task.state === 'merged' && task.mergedCommit) {
    lines.push({ text: `merged into ${task.base} as ${task.mergedCommit.slice(0, 10)}`, tone: 'plain' });
  }
  if (task.cleanupPending && task.state === 'merged') lines.push({ text: `cleanup pending: ${task.cleanupPending}`, tone: 'dim' });
  if (task.state === 'cancelled') lines.push({ text: 'cancelled; its work is kept', tone: 'dim' });
  const archive = task.archives[task.archives.length - 1];
  if ((task.state === 'accepted' || task.state === 'discarded') && archive) {
    lines.push({ text: `${task.state}; work archived at ${archive}`, tone: 'dim' });
  }
  if (task.interrupted) lines.push({ text: 'interrupted; resumes with the next `fleet run`', tone: 'warn' });
  return lines;
}

function tailLines(tail: string): DetailLine[] {
  return tail
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .map((text) => ({ text: `  ${text}`, tone: 'dim' }));
}

/** Head and foot first; the list gets what is left, with a "… N more" line when it is cut. */
function fit(head: DetailLine[], list: DetailLine[], from: 'start' | 'end', foot: DetailLine[], budget: number): DetailLine[] {
  const fixed = [...head, ...foot];
  if (fixed.length >= budget) return fixed.slice(0, budget);
  const room = budget - fixed.length;
  let shown = list;
  if (list.length > room) {
    const keep = Math.max(0, room - 1);
    const more: DetailLine = { text: `  … ${list.length - keep} more`, tone: 'dim' };
    shown = from === 'start' ? [...list.slice(0, keep), more] : [more, ...list.slice(list.length - keep)];
  }
  return [...head, ...shown, ...foot];
}

/** "next: m requeue · r retry · …" over as many lines as the width needs, never splitting an action. */
function wrapParts(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const joined = line === '' ? part : line.endsWith(':') ? `${line} ${part}` : `${line} · ${part}`;
    if (line !== '' && joined.length > width) {
      lines.push(line);
      line = `      ${part}`;
    } else {
      line = joined;
    }
  }
  return line === '' ? lines : [...lines, line];
}

/** "Edit src/a.ts · 3 turns · 12.4k tokens · $0.04": what the agent's structured output told us. */
export function agentActivity(task: TaskRecord): string | undefined {
  const p = task.agentProgress;
  if (!p) return undefined;
  const parts = [
    p.action,
    p.turns !== undefined ? `${p.turns} turn${p.turns === 1 ? '' : 's'}` : undefined,
    p.tokens ? `${formatTokens(p.tokens.input + p.tokens.output)} tokens` : undefined,
    p.costUsd !== undefined ? `$${p.costUsd.toFixed(2)}` : undefined,
    // Over several agent runs, or against its cap: what the task spent in all.
    task.spend && (task.budget || task.attempt > 1) ? `task spent ${spendText(task.spend, task.budget)}` : undefined,
  ].filter((x): x is string => Boolean(x));
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

