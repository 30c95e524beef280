import { Box, Text } from 'ink';

interface Props {
  question: string;
  width: number;
}

/** A question in place of the help bar: a destructive action's `… y/N`, or how to quit. */
export function ConfirmDialog({ question, width }: Props) {
  return (
    <Box width={width} height={1}>
      <Text bold color="yellow" wrap="truncate-end">
        {question}
      </Text>
    </Box>
  );
}
