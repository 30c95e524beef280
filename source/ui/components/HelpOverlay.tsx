import { Box, Text } from 'ink';
import type { HelpEntry } from '../key-help.js';

interface Props {
  entries: readonly HelpEntry[];
  width: number;
  height: number;
}

/** Every key of the keymap with what it does; in columns when one does not fit the height. */
export function HelpOverlay({ entries, width, height }: Props) {
  const columns = Math.max(1, Math.ceil(entries.length / Math.max(1, height - 1)));
  const perColumn = Math.ceil(entries.length / columns);
  const columnWidth = Math.floor(width / columns);
  const keysWidth = Math.max(...entries.map((e) => e.keys.length));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        KEYS · esc, ? or q closes this help
      </Text>
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={columnWidth}>
            {entries.slice(c * perColumn, (c + 1) * perColumn).map((e) => (
              <Text key={e.keys} wrap="truncate-end">
                <Text bold color="cyan">
                  {e.keys.padEnd(keysWidth)}
                </Text>
                {`  ${e.help}`}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
