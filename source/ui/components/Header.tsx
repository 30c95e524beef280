import { activeRunCap, runSpend, spendText } from '../../core/budget.js';
import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import { countByStatus, HAS_RUNNING_PROCESS, needingYou } from '../../core/selectors.js';
import type { RunState } from '../../core/state.js';
import type { RunInfo } from '../model/fleet-view.js';

interface Props {
  info: RunInfo;
  state: RunState;
  now: number;
  width: number;
}

/** `fleet · repo api (main) · 3/4 running · 5 merged · 1 review` and the time, on one line. */
export const Header = memo(function Header({ info, state, now, width }: Props) {
  // The clock ticks far more often than the run changes: only a new run state or info recounts.
  const text = useMemo(() => headerText(info, state), [info, state]);
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1}>
        <Text bold inverse wrap="truncate-end">
          {` ${text} `.padEnd(width)}
        </Text>
      </Box>
      <Text inverse>{` ${clock(now)} `}</Text>
    </Box>
  );
});

export function headerText(info: RunInfo, state: RunState): string {
  const counts = countByStatus(state);
  const busy = state.order.filter((k) => HAS_RUNNING_PROCESS.has(state.tasks[k]!.state)).length;
  const parts = ['fleet', projectsText(info), `${busy}/${info.concurrency} running`, `${counts.merged} merged`];
  const waiting = needingYou(state).length;
  if (waiting > 0) parts.push(`${waiting} need you`);
  const attention: [number, string][] = [
    [counts.review, 'review'],
    [counts.failed, 'failed'],
    [counts.awaiting_approval, 'awaiting approval'],
    [counts.blocked, 'blocked'],
    [counts.paused, 'paused'],
  ];
  for (const [n, word] of attention) if (n > 0) parts.push(`${n} ${word}`);
  if (state.startsPaused) parts.push('new starts paused');
  parts.push(...rateLimitText(info, state));
  const spent = runSpend(state);
  if (state.runCap || spent.tokens > 0 || spent.usd > 0) parts.push(`spent ${spendText(spent, activeRunCap(state))}`);
  if (state.budgetHeld) parts.push('held (budget)');
  if (state.stopped) parts.push(`run stopped (${state.stopped.reason})`);
  return parts.join(' · ');
}

/** What rate limits do to the run: fewer agents at once, and tasks waiting to run their agent again. */
function rateLimitText(info: RunInfo, state: RunState): string[] {
  const parts: string[] = [];
  if (state.concurrency !== undefined && state.concurrency < info.concurrency) {
    parts.push(`rate limited: ${state.concurrency}/${info.concurrency} at once`);
  }
  const waiting = state.order.filter((k) => state.tasks[k]!.backoffUntil !== undefined && state.tasks[k]!.state === 'running').length;
  if (waiting > 0) parts.push(`${waiting} backing off`);
  return parts;
}

function projectsText(info: RunInfo): string {
  const [only] = info.projects;
  if (info.projects.length === 1 && only) return `repo ${only.name} (${only.base})`;
  if (info.projects.length <= 3) return info.projects.map((p) => `${p.name} (${p.base})`).join(', ');
  return `${info.projects.length} projects`;
}

function clock(now: number): string {
  const d = new Date(now);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
