// Agent output lines can be kilobytes long (one JSON event per line), and Ink measures and
// slices every character of every <Text> on every frame. Cutting a line to what could ever be
// visible first keeps the cost of a frame proportional to the screen, not to the output.

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;:]*m/y;

/**
 * `line` cut after `width + 1` visible characters: one more than fits, so Ink still sees that it
 * is too long and ends it with "…". SGR sequences are kept whole and reset at the cut.
 * Sanitized output carries no other escapes (agents/sanitize.ts).
 */
export function clipLine(line: string, width: number): string {
  if (line.length <= width) return line;
  let visible = 0;
  let i = 0;
  let coloured = false;
  while (i < line.length && visible <= width) {
    if (line.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const sgr = SGR.exec(line);
      if (sgr) {
        i += sgr[0].length;
        coloured = true;
        continue;
      }
    }
    i += line.codePointAt(i)! > 0xffff ? 2 : 1;
    visible++;
  }
  if (i >= line.length) return line;
  return line.slice(0, i) + (coloured ? '\x1b[0m' : '');
}
