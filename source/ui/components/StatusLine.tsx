import { Box, Text } from 'ink';
import { plain } from '../print/plain-text.js';

interface Props {
  /** The last command's result sentence; when there is none, a quiet hint. */
  message?: string;
  hint: string;
  width: number;
}

export function StatusLine({ message, hint, width }: Props) {
  return (
    <Box width={width} height={1}>
      <Text dimColor={message === undefined} wrap="truncate-end">
        {plain(message ?? hint)}
      </Text>
    </Box>
  );
}
