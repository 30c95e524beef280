import { Box, Text } from 'ink';
import type { BarEntry } from '../keys/key-help.js';

interface Props {
  entries: readonly BarEntry[];
  width: number;
}

/** One line of the keys that do something now: `↑↓ select  enter focus  p pause  …  ? help  q quit`. */
export function HelpBar({ entries, width }: Props) {
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        {entries.map((e, i) => (
          <Text key={e.keys}>
            {i > 0 ? '  ' : ''}
            <Text bold color="cyan">
              {e.keys}
            </Text>
            {` ${e.label}`}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
