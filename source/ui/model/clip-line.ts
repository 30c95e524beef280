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

/** Visible characters that are one column wide in every terminal: printable ASCII. */
const NARROW_RUN = /[\x20-\x7e]*/y;

/**
 * `line` cut to at most `width` columns the way Ink's truncate-end would (the last column an
 * ellipsis), when every visible character is printable ASCII; otherwise undefined, and Ink must
 * measure and truncate it. Lines fitted here can be drawn without Ink measuring them
 * (AgentPane), which matters because Ink caches every text it measures for the life of the
 * process: under a flood, every output line ever shown.
 */
export function fitLine(line: string, width: number): string | undefined {
  let visible = 0;
  let cut = -1;
  let coloured = false;
  let i = 0;
  while (i < line.length) {
    NARROW_RUN.lastIndex = i;
    const run = NARROW_RUN.exec(line)![0].length;
    if (cut < 0 && visible + run > width - 1) cut = i + (width - 1 - visible);
    visible += run;
    i += run;
    if (i >= line.length) break;
    SGR.lastIndex = i;
    const sgr = line.charCodeAt(i) === 0x1b ? SGR.exec(line) : null;
    if (!sgr) return undefined;
    if (cut < 0) coloured = true;
    i += sgr[0].length;
  }
  if (visible <= width) return line;
  if (width <= 0) return '';
  return `${line.slice(0, cut)}${coloured ? '\x1b[0m' : ''}…`;
}
