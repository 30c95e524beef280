import { Box, Text } from 'ink';
import { memo } from 'react';
import { QUEUE_TITLE, SEPARATOR, type QueueItem } from '../model/queue-items.js';

interface Props {
  /** Items already packed into lines (queue-items.ts packQueue). */
  lines: readonly (readonly QueueItem[])[];
  width: number;
  height: number;
}

const TONE: Record<QueueItem['tone'], { color?: string; bold?: boolean }> = {
  active: { color: 'magenta', bold: true },
  waiting: {},
  warn: { color: 'yellow' },
};

/** The merge queue under a rule: merging now, then waiting in order, then what went to review. */
export const MergeQueue = memo(function MergeQueue({ lines, width, height }: Props) {
  const empty = lines.every((line) => line.length === 0);
  return (
    <Box flexDirection="column" width={width} height={height + 1}>
      <Text dimColor>{'─'.repeat(width)}</Text>
      {lines.slice(0, height).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {i === 0 ? <Text bold>{QUEUE_TITLE}</Text> : null}
          {i === 0 && empty ? <Text dimColor>empty</Text> : null}
          {line.map((item, j) => (
            <Text key={j}>
              {j > 0 ? <Text dimColor>{SEPARATOR}</Text> : null}
              <Text {...TONE[item.tone]}>{item.text}</Text>
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
});
