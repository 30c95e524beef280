import { stripSgr } from '../core/text.js';

// Agent output is hostile input. Only SGR (colour/style) sequences survive; every other escape
// sequence, C0/C1 control and string (OSC titles, clipboard 52, hyperlinks 8, DCS, APC, PM, SOS)
// is dropped. `\r` rewinds the line, so progress bars collapse to their last state.
// Streaming: sequences may be split across chunks, so the parser keeps its state between calls.

type Mode = 'text' | 'esc' | 'csi' | 'string' | 'string-esc' | 'esc-intermediate';

const MAX_LINE = 4096;
/** Text with no control character: C0, DEL, C1, tab, CR, LF and ESC all take the slow path. */
const PLAIN_RUN = /[^\x00-\x1f\x7f-\x9f]+/y;
const MAX_SEQUENCE = 256;
/**
 * A whole line the sanitizer would pass unchanged: visible text and SGR sequences (at most
 * MAX_SEQUENCE + 1 parameter characters, as `step` accepts), then the newline.
 */
const CLEAN_LINE = /(?:[^\x00-\x1f\x7f-\x9f]|\x1b\[[0-9;:]{0,257}m)*\n/y;

export class OutputSanitizer {
  private mode: Mode = 'text';
  private sequence = '';
  /** The current line: committed text and, after a `\r`, the text being overwritten. */
  private line = '';
  private overwrite: string | undefined;

  /** Feeds a chunk and returns the lines it completed. */
  push(chunk: string): string[] {
    const done: string[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === 'text' && this.line === '' && this.overwrite === undefined) {
        // Most lines need no change: they are kept as one compact string (see copyOf), where
        // building them part by part made each a tree of a dozen strings, ~900 bytes a line,
        // which under a flood kept the engine's garbage collector busy.
        CLEAN_LINE.lastIndex = i;
        if (CLEAN_LINE.test(chunk) && CLEAN_LINE.lastIndex - 1 - i <= MAX_LINE) {
          done.push(copyOf(chunk.slice(i, CLEAN_LINE.lastIndex - 1)));
          i = CLEAN_LINE.lastIndex;
          continue;
        }
      }
      if (this.mode === 'text') {
        // Runs of plain text are appended whole: per-character concatenation made every line a
        // long rope of one-character strings, which under a flood cost more than anything else.
        PLAIN_RUN.lastIndex = i;
        const run = PLAIN_RUN.exec(chunk);
        if (run) {
          this.append(run[0]);
          i += run[0].length;
          continue;
        }
      }
      const ch = String.fromCodePoint(chunk.codePointAt(i)!);
      this.step(ch, done);
      i += ch.length;
    }
    return done;
  }

  /** The unfinished line as it would look now. */
  partial(): string {
    return this.visibleLine();
  }

  /** Ends the stream: returns the unfinished line if it has content. */
  flush(): string[] {
    const rest = this.visibleLine();
    this.line = '';
    this.overwrite = undefined;
    this.mode = 'text';
    return rest === '' ? [] : [rest];
  }

  private step(ch: string, done: string[]): void {
    const code = ch.codePointAt(0)!;
    switch (this.mode) {
      case 'text':
        return this.text(ch, code, done);
      case 'esc':
        if (ch === '[') return this.begin('csi', '');
        if (ch === ']' || ch === 'P' || ch === 'X' || ch === '^' || ch === '_') return this.begin('string', '');
        if (code >= 0x20 && code <= 0x2f) return this.begin('esc-intermediate', '');
        this.mode = 'text'; // two-character sequence (ESC c, ESC 7, ESC =): dropped whole
        return;
      case 'esc-intermediate':
        if (code < 0x20 || code > 0x2f) this.mode = 'text';
        return;
      case 'csi':
        if (code >= 0x40 && code <= 0x7e) {
          if (ch === 'm' && /^[0-9;:]*$/.test(this.sequence)) this.append(`\x1b[${this.sequence}m`);
          this.mode = 'text';
        } else if (code < 0x20 || code > 0x7e || this.sequence.length > MAX_SEQUENCE) {
          this.mode = 'text'; // malformed: drop what we have
        } else {
          this.sequence += ch;
        }
        return;
      case 'string':
        if (code === 0x07 || code === 0x9c) this.mode = 'text';
        else if (code === 0x1b) this.mode = 'string-esc';
        return;
      case 'string-esc':
        this.mode = ch === '\\' ? 'text' : 'string';
        return;
    }
  }

  private text(ch: string, code: number, done: string[]): void {
    if (code === 0x1b) return this.begin('esc', '');
    if (code === 0x9b) return this.begin('csi', '');
    if (code === 0x90 || code === 0x9d || code === 0x98 || code === 0x9e || code === 0x9f) return this.begin('string', '');
    if (ch === '\n') {
      done.push(copyOf(this.visibleLine()));
      this.line = '';
      this.overwrite = undefined;
      return;
    }
    if (ch === '\r') {
      // Text after this overwrites the line from its start; a bare "\r\n" keeps the line.
      this.line = this.visibleLine();
      this.overwrite = '';
      return;
    }
    if (ch === '\t') return this.append('  ');
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f)) return; // other C0/C1: BEL, BS, …
    this.append(ch);
  }

  private begin(mode: Mode, sequence: string): void {
    this.mode = mode;
    this.sequence = sequence;
  }

  private append(text: string): void {
    if (this.overwrite !== undefined) {
      if (this.overwrite.length < MAX_LINE) this.overwrite += text.slice(0, MAX_LINE - this.overwrite.length);
    } else if (this.line.length < MAX_LINE) this.line += text.slice(0, MAX_LINE - this.line.length);
  }

  private visibleLine(): string {
    if (this.overwrite === undefined || this.overwrite === '') return this.line;
    // The overwriting text replaces as many visible characters as it has; the rest of the old line stays.
    const fresh = this.overwrite;
    const freshWidth = stripSgr(fresh).length;
    const old = stripSgr(this.line);
    return old.length > freshWidth ? fresh + old.slice(freshWidth) : fresh;
  }
}

/**
 * `text` in a string of its own. A line sliced from a read chunk would keep the whole chunk
 * (up to 256 KiB) alive for as long as any ring buffer holds the line, and a line built by
 * concatenation is a tree of parts; prepending a character and slicing it off again makes V8
 * flatten the text into a fresh string the size of the line.
 */
function copyOf(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** Sanitizes a whole text at once: the lines it holds, the last unfinished one included. */
export function sanitizeText(text: string): string[] {
  const s = new OutputSanitizer();
  return [...s.push(text), ...s.flush()];
}
