import { commentPlace, type RevisionComment } from '../../core/events.js';
import { stripSgr } from '../../core/text.js';

// Reading a diff the engine sent (git's --stat then --patch, SGR colour only) to place the cursor
// on files and lines: pure, over the lines as shown.

export type LineTarget = Pick<RevisionComment, 'path' | 'line'>;

// A diff is read once per view, not per key press: a diff view holds up to 20,000 lines, and its
// lines array never changes while it is open (a new diff is a new array).
const targetsOf = new WeakMap<readonly string[], readonly (LineTarget | undefined)[]>();
const startsOf = new WeakMap<readonly string[], readonly number[]>();

function once<T>(cache: WeakMap<readonly string[], T>, lines: readonly string[], read: (lines: readonly string[]) => T): T {
  let value = cache.get(lines);
  if (value === undefined) cache.set(lines, (value = read(lines)));
  return value;
}

/** For each line of a diff, the file and new-side line a comment on it would be about, if any. */
export function diffTargets(lines: readonly string[]): readonly (LineTarget | undefined)[] {
  return once(targetsOf, lines, readTargets);
}

/** The index of each file's `diff --git` line. */
export function fileStarts(lines: readonly string[]): readonly number[] {
  return once(startsOf, lines, readStarts);
}

function readTargets(lines: readonly string[]): (LineTarget | undefined)[] {
  let path: string | undefined;
  let next: number | undefined;
  return lines.map((shown) => {
    const line = stripSgr(shown);
    if (line.startsWith('diff --git ')) {
      path = undefined;
      next = undefined;
      return undefined;
    }
    if (line.startsWith('+++ ')) {
      path = line === '+++ /dev/null' ? undefined : line.slice(4).replace(/^b\//, '');
      return undefined;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      return path ? { path, line: next } : undefined;
    }
    if (path === undefined || next === undefined) return undefined;
    if (line.startsWith('+') || line.startsWith(' ')) return { path, line: next++ };
    if (line.startsWith('-')) return { path, line: Math.max(1, next) };
    return undefined;
  });
}

function readStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  lines.forEach((line, i) => {
    if (stripSgr(line).startsWith('diff --git ')) starts.push(i);
  });
  return starts;
}

/** How a comment's place is written: "src/a.ts:12", or "general". */
export function placeOf(comment: LineTarget): string {
  return commentPlace(comment) ?? 'general';
}
