// Ink 6 turns every character of every frame into a styled cell through Intl.Segmenter (about
// 3 µs a character here), and under an output flood the agent pane's lines are new in every frame:
// about half the UI's CPU at 120×40 (bench/RESULTS.md). Those lines are already cut to the
// pane's width (fitLine), so Ink need not look inside them: it lays out a short marker in their
// place, and the marker is swapped for the line on its way to the terminal (docs/ui.md#rendering).

import { createContext } from 'react';

/** Control character that starts a marker: sanitized output and plain() text never contain one. */
const LEAD = '\x10';
const FIRST = 0xe000; // the private use area: two characters of it number a marker
const SPAN = 0x1900;
// eslint-disable-next-line no-control-regex
const MARKER = /\x10[\ue000-\uf8ff]{2}/g;

/**
 * Markers for lines Ink must not tokenize, and the stream filter that puts the lines back. The
 * same line always gets the same marker while it is on screen, so a frame that did not change is
 * still the same string and Ink still skips writing it.
 */
export class LateLines {
  private readonly markers = new Map<string, string>();
  private readonly lines = new Map<string, string>();
  private next = 0;

  /** A three-column marker for `line` (one row, already fitted to its place, no cursor moves). */
  mark = (line: string): string => {
    let marker = this.markers.get(line);
    if (marker === undefined) {
      const n = this.next++ % (SPAN * SPAN);
      marker = LEAD + String.fromCharCode(FIRST + Math.floor(n / SPAN), FIRST + (n % SPAN));
      this.markers.set(line, marker);
      // A coloured line ends reset, as Ink ends each styled run: nothing after it inherits its colour.
      this.lines.set(marker, line.includes('\x1b') ? `${line}\x1b[0m` : line);
    }
    return marker;
  };

  /** `chunk` with its markers replaced by their lines; lines not in it are forgotten. */
  fill(chunk: string): string {
    if (!chunk.includes(LEAD)) return chunk;
    const kept = new Set<string>();
    const filled = chunk.replace(MARKER, (marker) => {
      kept.add(marker);
      return this.lines.get(marker) ?? '';
    });
    for (const [line, marker] of this.markers) {
      if (kept.has(marker)) continue;
      this.markers.delete(line);
      this.lines.delete(marker);
    }
    return filled;
  }

  /** `stdout` as Ink sees it: every property is the stream's own, but writes go through fill(). */
  stream(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
    const write = (chunk: unknown, ...rest: unknown[]): boolean =>
      (stdout.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? this.fill(chunk) : chunk, ...rest);
    return new Proxy(stdout, {
      get(target, property) {
        if (property === 'write') return write;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

/** How the agent pane hands fitted lines past Ink: LateLines.mark under runUi, none elsewhere. */
export const LateLinesContext = createContext<((line: string) => string) | undefined>(undefined);
