import { Box, Text } from 'ink';
import { memo, useRef } from 'react';
import type { RunState } from '../../core/state.js';
import { listRows, rowSpan, scrollTop, type ListRow } from '../model/list-rows.js';
import { lookOf, STATUS_WIDTH } from '../model/task-look.js';
import type { OrderedTask } from '../model/task-order.js';

interface Props {
  state: RunState;
  /** The listed tasks (filtered), in display order. */
  order: readonly OrderedTask[];
  total: number;
  selected?: string;
  critical: ReadonlySet<string>;
  filter: string;
  focused: boolean;
  now: number;
  width: number;
  height: number;
}

/** Below this width the state column is not padded, so names keep their room. */
const ALIGNED_WIDTH = 40;
/** Below this width the elapsed time goes (the pane title has it), so a row never spills. */
const ELAPSED_WIDTH = 26;
/** Indentation stops growing here: the `└ needs …` hints carry the rest of the graph. */
const MAX_INDENT = 3;

/**
 * The DAG as a list: topological order, indented by dependency depth, critical path marked ▸,
 * each task with glyph, colour, state word and elapsed time, plus hint lines saying why it
 * waits. Scrolls with the selection; never taller or wider than its box.
 */
export const TaskList = memo(function TaskList({ state, order, total, selected, critical, filter, focused, now, width, height }: Props) {
  const rows = listRows(state, order, critical, now);
  const bodyHeight = Math.max(0, height - 1);
  const top = useRef(0);
  top.current = scrollTop(top.current, rowSpan(rows, selected), bodyHeight, rows.length);
  const shown = rows.slice(top.current, top.current + bodyHeight);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse={focused} wrap="truncate-end">
        {title(order.length, total, filter, top.current, shown.length, rows.length).padEnd(width)}
      </Text>
      {shown.map((row, i) =>
        row.kind === 'task' ? (
          <TaskRow key={`t:${row.key}`} row={row} selected={row.key === selected} focused={focused} width={width} />
        ) : (
          <HintRow key={`h:${row.key}:${i}`} row={row} width={width} />
        ),
      )}
    </Box>
  );
});

function title(listed: number, total: number, filter: string, top: number, shown: number, rows: number): string {
  const count = filter ? `${listed} of ${total} matching "${filter}"` : `${total}`;
  const above = top > 0 ? ` ↑${top}` : '';
  const below = top + shown < rows ? ` ↓${rows - top - shown}` : '';
  return `TASKS ${count}${above}${below}`;
}

function TaskRow({ row, selected, focused, width }: { row: Extract<ListRow, { kind: 'task' }>; selected: boolean; focused: boolean; width: number }) {
  const look = lookOf(row.status);
  const aligned = width >= ALIGNED_WIDTH;
  const word = aligned ? (look.word ?? row.status).padEnd(STATUS_WIDTH) : (look.word ?? row.status);
  const elapsed = width < ELAPSED_WIDTH ? '' : aligned ? row.elapsed.padStart(6) : row.elapsed;
  return (
    <Box width={width} height={1}>
      <Box flexShrink={0}>
        <Text bold={selected}>{selected ? '›' : ' '}</Text>
        <Text color={look.colour}>{look.glyph}</Text>
        <Text>{' '.repeat(Math.min(row.depth, MAX_INDENT))}</Text>
        <Text color="magenta">{row.critical ? '▸' : ' '}</Text>
      </Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text inverse={selected && focused} bold={row.critical} wrap="truncate-end">
          {row.key}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text color={look.colour}>{` ${word}${elapsed ? ` ${elapsed}` : ''}${row.conflict ? '⚠' : ' '}`}</Text>
      </Box>
    </Box>
  );
}

function HintRow({ row, width }: { row: Extract<ListRow, { kind: 'hint' }>; width: number }) {
  return (
    <Box width={width} height={1}>
      <Text color={row.warn ? 'yellow' : undefined} dimColor={!row.warn} wrap="truncate-end">
        {`   ${' '.repeat(Math.min(row.depth, MAX_INDENT))}└ ${row.text}`}
      </Text>
    </Box>
  );
}
