import { formatTokens } from '../../core/budget.js';
import type { CandidateRecord } from '../../core/candidates.js';
import type { TaskRecord } from '../../core/state.js';
import type { DetailLine } from './pane-details.js';

/**
 * Best-of-N in the agent pane: one row per candidate, its columns aligned so candidates compare
 * side by side (state, diff stat, check, tokens, cost); ★ marks the pick, with who made it.
 */
export function candidateLines(task: TaskRecord): DetailLine[] {
  const list = task.candidates;
  if (!list || list.length === 0) return [];
  const rows = list.map((c) => [
    `${c.n === task.picked?.candidate ? '★' : ' '} ${c.n}`,
    c.agent,
    c.archived ? 'archived' : c.state,
    c.diff ? `${c.diff.files} files +${c.diff.insertions} -${c.diff.deletions}` : '—',
    check(c),
    c.tokens ? `${formatTokens(c.tokens.input + c.tokens.output)} tok` : '—',
    c.costUsd !== undefined ? `$${c.costUsd.toFixed(2)}` : '—',
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines: DetailLine[] = [{ text: `candidates (${pickWords(task)}):`, tone: 'plain' }];
  rows.forEach((row, i) => {
    const c = list[i]!;
    const text = row.map((cell, j) => cell.padEnd(widths[j]!)).join('  ').trimEnd();
    lines.push({ text, tone: c.state === 'failed' ? 'error' : c.state === 'passed' ? 'plain' : 'dim' });
  });
  if (task.picked?.note) lines.push({ text: task.picked.note, tone: 'warn' });
  return lines;
}

function check(c: CandidateRecord): string {
  if (c.state === 'passed') return 'check ✓';
  if (c.state === 'failed') return 'check ✗';
  return c.state === 'checking' ? 'checking' : '—';
}

function pickWords(task: TaskRecord): string {
  if (!task.picked) return 'no pick yet';
  return task.picked.by === 'user' ? `you picked ${task.picked.candidate}` : `${task.picked.by} picked ${task.picked.candidate}`;
}

