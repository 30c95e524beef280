import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { OutputSanitizer } from './sanitize.js';

export const LOG_CAP_BYTES = 64 * 1024 * 1024;
const READ_CHUNK = 256 * 1024;
/**
 * One read buffer for every tail: polls are synchronous and the decoder copies what it keeps, and
 * a fresh 256 KiB per poll (sixteen agents, five polls a second) was 20 MB/s of garbage.
 */
const readBuffer = Buffer.allocUnsafe(READ_CHUNK);

/**
 * Follows a log file that a child writes straight into, turning new bytes into sanitized lines.
 * Polling (not fs.watch) because it behaves the same on every filesystem and costs one fstat.
 * Also enforces the per-attempt cap: past it, the log is cut back to its first half plus a marker,
 * and the child's appends continue after that.
 */
export class LogTail {
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly sanitizer = new OutputSanitizer();

  constructor(
    private readonly file: string,
    private readonly onLines: (lines: string[]) => void,
    private readonly capBytes = LOG_CAP_BYTES,
    /** 'end' skips what the file already holds (a re-adopted process's earlier output). */
    from: 'start' | 'end' = 'start',
  ) {
    if (from === 'end') {
      try {
        this.offset = statSync(file).size;
      } catch {
        // not written yet
      }
    }
  }

  /** Reads whatever is new; returns true when anything was read. */
  poll(): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'r+');
    } catch {
      return false;
    }
    try {
      let size = fstatSync(fd).size;
      if (size > this.capBytes) size = this.cut(fd);
      if (size < this.offset) this.offset = size; // truncated under us
      let readAny = false;
      // Bounded per poll so one flooding agent cannot starve the event loop.
      for (let rounds = 0; this.offset < size && rounds < 16; rounds++) {
        const n = readSync(fd, readBuffer, 0, Math.min(READ_CHUNK, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        readAny = true;
        const lines = this.sanitizer.push(this.decoder.write(readBuffer.subarray(0, n)));
        if (lines.length > 0) this.onLines(lines);
      }
      return readAny;
    } finally {
      closeSync(fd);
    }
  }

  /** The unfinished last line, sanitized. */
  partial(): string {
    return this.sanitizer.partial();
  }

  /** Call once the writer has exited: emits the unfinished last line. */
  finish(): void {
    this.poll();
    const rest = this.sanitizer.push(this.decoder.end());
    const last = [...rest, ...this.sanitizer.flush()];
    if (last.length > 0) this.onLines(last);
  }

  private cut(fd: number): number {
    const keep = Math.floor(this.capBytes / 2);
    ftruncateSync(fd, keep);
    const marker = Buffer.from(`\n[fleet: log passed ${this.capBytes >> 20} MiB; later output was dropped up to here]\n`);
    writeSync(fd, marker, 0, marker.length, keep);
    if (this.offset > keep) this.offset = keep;
    return keep + marker.length;
  }
}
