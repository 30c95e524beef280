import { Box, Text, Transform } from 'ink';
import { useContext } from 'react';
import { taskStatus } from '../../core/selectors.js';
import type { RunState } from '../../core/state.js';
import { stripSgr } from '../../core/text.js';
import { LateLinesContext } from '../late-lines.js';
import { clipLine, fitLine } from '../model/clip-line.js';
import { paneDetails, type DetailLine } from '../model/pane-details.js';
import { plain } from '../print/plain-text.js';
import { attemptElapsed, lookOf } from '../model/task-look.js';
import type { Scroll } from '../model/ui-state.js';

interface Props {
  state: RunState;
  taskKey?: string;
  /** The last `n` output lines of the task (FleetView.getLines). */
  lines: (key: string, n: number) => readonly string[];
  scroll: Scroll;
  /** The task's next steps from the keymap: "m requeue", "r retry", … */
  actions: readonly string[];
  focused: boolean;
  colour: boolean;
  now: number;
  width: number;
  height: number;
}

const OUTPUT_MIN_ROWS = 3;
/** Narrower than this, the title keeps the whole line and the follow state goes. */
const INDICATOR_WIDTH = 32;

const TONE: Record<DetailLine['tone'], { color?: string; dimColor?: boolean }> = {
  plain: {},
  dim: { dimColor: true },
  warn: { color: 'yellow' },
  error: { color: 'red' },
};

/**
 * The selected task: a title line (key · state · elapsed · agent · attempt · title), what needs saying
 * about it (review reason and paths, failure and tail, what it waits for, next steps), then its
 * output, following the live tail or held where the user scrolled. One <Text> per line, each
 * truncated, so agent output can never widen or lengthen the frame.
 */
export function AgentPane({ state, taskKey, lines, scroll, actions, focused, colour, now, width, height }: Props) {
  const late = useContext(LateLinesContext);
  const task = taskKey === undefined ? undefined : state.tasks[taskKey];
  if (!task || taskKey === undefined) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text dimColor>no task selected</Text>
      </Box>
    );
  }
  const status = taskStatus(state, taskKey);
  const look = lookOf(status);
  const body = Math.max(0, height - 1);
  // What needs a human (paths, tails) may take all but a few rows; the output keeps the rest.
  const details = paneDetails(state, taskKey, actions, width, Math.max(1, body - OUTPUT_MIN_ROWS));
  const outputRows = Math.max(0, body - details.length);
  const output = outputBlocks(
    visibleOutput(taskKey, lines, scroll, outputRows).map((l) => (colour ? l : stripSgr(l))),
    width,
  );
  const indicator = width < INDICATOR_WIDTH ? '' : scroll.follow ? ' following' : ` held ↑${scroll.offset} · f follows`;
  const title = plain(
    [taskKey, status, attemptElapsed(task, now), task.agent, `attempt ${task.attempt}`, task.title]
      .filter((part) => part !== '' && part !== 'attempt 0')
      .join(' · '),
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box width={width} height={1}>
        <Box flexShrink={0}>
          <Text color={look.colour}>{`${look.glyph} `}</Text>
        </Box>
        <Box flexGrow={1} flexShrink={1}>
          <Text bold inverse={focused} wrap="truncate-end">
            {title}
          </Text>
        </Box>
        <Box flexShrink={0}>
          <Text dimColor>{indicator}</Text>
        </Box>
      </Box>
      {details.map((line, i) => (
        <Text key={`d${i}`} {...TONE[line.tone]} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
      {output.length === 0 && outputRows > 0 ? <Text dimColor>(no output yet)</Text> : null}
      {output.map((block, i) =>
        typeof block === 'string' ? (
          // An empty Text has no height; a space keeps blank output lines in place.
          <Text key={`o${i}`} wrap="truncate-end">
            {block === '' ? ' ' : block}
          </Text>
        ) : (
          // Ink lays out and measures the blank placeholder (the same text every frame, so its
          // measure cache stays small) and draws the fitted lines in its place; under runUi, the
          // lines' markers, swapped back on the way out (late-lines.ts).
          <Transform key={`o${i}`} transform={(_placeholder, row) => (late && block[row] !== undefined ? late(block[row]) : (block[row] ?? ''))}>
            {placeholder(block.length)}
          </Transform>
        ),
      )}
    </Box>
  );
}

/**
 * Output rows as Ink will draw them: runs of lines already fitted to the width (fitLine), or a
 * single line Ink must truncate itself (wide or combining characters), cut short first (clipLine).
 */
function outputBlocks(rows: readonly string[], width: number): (string | string[])[] {
  const blocks: (string | string[])[] = [];
  for (const row of rows) {
    const fitted = fitLine(row, width);
    const last = blocks.at(-1);
    if (fitted === undefined) blocks.push(clipLine(row, width));
    else if (Array.isArray(last)) last.push(fitted);
    else blocks.push([fitted]);
  }
  return blocks;
}

function placeholder(rows: number): string {
  return ' \n'.repeat(rows - 1) + ' ';
}

/** The rows to show: the live tail, or a window into the snapshot taken when the user scrolled. */
function visibleOutput(key: string, lines: Props['lines'], scroll: Scroll, rows: number): readonly string[] {
  if (rows === 0) return [];
  if (scroll.follow) return lines(key, rows);
  const end = scroll.lines.length - scroll.offset;
  return scroll.lines.slice(Math.max(0, end - rows), end);
}
