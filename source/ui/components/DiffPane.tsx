import { Box, Text } from 'ink';
import { stripSgr } from '../../core/text.js';
import { clipLine } from '../model/clip-line.js';
import { placeOf } from '../model/diff-lines.js';
import { plain } from '../print/plain-text.js';
import type { DiffState } from '../model/ui-state.js';

interface Props {
  diff: DiffState;
  colour: boolean;
  width: number;
  height: number;
}

const GUTTER = 2;

/**
 * A task's change in place of the list and pane: a title, then a window of the diff that keeps
 * the cursor line in view (marked ▶), then the last comments written (✎).
 */
export function DiffPane({ diff, colour, width, height }: Props) {
  const notes = diff.comments.slice(-Math.max(0, Math.floor(height / 4)));
  const rows = Math.max(1, height - 1 - notes.length);
  const top = Math.max(0, Math.min(diff.cursor - Math.floor(rows / 2), diff.lines.length - rows));
  const shown = diff.lines.slice(top, top + rows);
  const title = `diff of ${diff.key} (${diff.what}) · line ${diff.cursor + 1}/${diff.lines.length} · ${diff.comments.length} comments · s sends · esc closes`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        {plain(title)}
      </Text>
      {shown.map((line, i) => {
        const at = top + i;
        const mark = at === diff.cursor ? '▶ ' : '  ';
        const text = clipLine(colour ? line : stripSgr(line), width - GUTTER);
        return (
          <Text key={`l${at}`} wrap="truncate-end">
            <Text inverse={at === diff.cursor}>{mark}</Text>
            {text === '' ? ' ' : text}
          </Text>
        );
      })}
      {notes.map((c, i) => (
        <Text key={`c${i}`} color="yellow" wrap="truncate-end">
          {plain(`✎ ${placeOf(c)}: ${c.text}`)}
        </Text>
      ))}
    </Box>
  );
}

/** The comment being typed, in place of the help bar. */
export function CommentInput({ on, draft, width }: { on: string; draft: string; width: number }) {
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        <Text bold color="yellow">{`comment on ${plain(on)}: `}</Text>
        {plain(draft)}
        <Text inverse> </Text>
        <Text dimColor>{'  enter keeps · esc drops'}</Text>
      </Text>
    </Box>
  );
}
