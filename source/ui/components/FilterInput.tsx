import { Box, Text } from 'ink';

interface Props {
  filter: string;
  width: number;
}

/** The filter being typed, in place of the help bar; the list filters as it changes. */
export function FilterInput({ filter, width }: Props) {
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          /
        </Text>
        {filter}
        <Text inverse> </Text>
        <Text dimColor>{'  enter keeps · esc clears'}</Text>
      </Text>
    </Box>
  );
}
