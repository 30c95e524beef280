import { Box, Text } from 'ink';
import type { HelpSection } from '../keys/key-help.js';

interface Props {
  sections: readonly HelpSection[];
  width: number;
  height: number;
}

type Row = { heading: string } | { keys: string; help: string };

/** Every key of every mode with what it does; in columns when one does not fit the height. */
export function HelpOverlay({ sections, width, height }: Props) {
  const rows: Row[] = sections.flatMap((s) => [{ heading: s.title }, ...s.entries.map((e) => ({ keys: e.keys.join(' '), help: e.help }))]);
  const columns = Math.max(1, Math.ceil(rows.length / Math.max(1, height - 1)));
  const perColumn = Math.ceil(rows.length / columns);
  const columnWidth = Math.floor(width / columns);
  const keysWidth = Math.max(...rows.map((r) => ('keys' in r ? r.keys.length : 0)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        KEYS · esc, ? or q closes this help
      </Text>
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={columnWidth}>
            {rows.slice(c * perColumn, (c + 1) * perColumn).map((row, i) =>
              'heading' in row ? (
                <Text key={i} bold wrap="truncate-end">
                  {row.heading}
                </Text>
              ) : (
                <Text key={i} wrap="truncate-end">
                  <Text bold color="cyan">
                    {row.keys.padEnd(keysWidth)}
                  </Text>
                  {`  ${row.help}`}
                </Text>
              ),
            )}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
