import { activeRunCap, runSpend, spendText } from '../../core/budget.js';
import { countByStatus, taskStatus, waitingFor } from '../../core/selectors.js';
import type { RunState } from '../../core/state.js';

/** The closing lines of a run: counts, then every task that needs a human, with what to do. */
export function summaryLines(state: RunState): string[] {
  const counts = countByStatus(state);
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const lines = [`run ${state.runId}: ${parts.join(', ') || 'no tasks'}`];
  if (state.budgetHeld) {
    lines.push(`  held (budget): spent ${spendText(runSpend(state), activeRunCap(state))}; nothing new starts`);
    lines.push('      then: fleet budget --usd N | --tokens N (a higher cap), and fleet run');
  }
  for (const key of state.order) {
    const t = state.tasks[key]!;
    const status = taskStatus(state, key);
    if (status === 'review') {
      lines.push(`  ⚠ ${key} needs review: ${t.review?.message ?? ''}${t.review?.paths.length ? ` (${t.review.paths.join(', ')})` : ''}`);
      if (t.worktree) lines.push(`      worktree: ${t.worktree}`);
      lines.push(`      then: fleet requeue ${key} | fleet retry ${key} | fleet accept ${key} | fleet discard ${key}`);
    } else if (status === 'failed') {
      lines.push(`  ✗ ${key} failed: ${t.failure?.message ?? ''}`);
      lines.push(`      then: fleet retry ${key} | fleet discard ${key}`);
    } else if (status === 'awaiting_approval') {
      lines.push(`  ? ${key} awaiting approval; its check passed`);
      if (t.worktree) lines.push(`      worktree: ${t.worktree}`);
      lines.push(`      then: fleet approve ${key} | fleet revise ${key} -m … | fleet retry ${key} | fleet discard ${key}`);
    } else if (status === 'blocked') {
      lines.push(`  ◌ ${key} ${waitingFor(state, key)}`);
    } else if (t.cleanupPending && t.state === 'merged') {
      lines.push(`  ${key}: cleanup pending (${t.cleanupPending}); \`fleet clean\` finishes it`);
    }
  }
  return lines;
}
