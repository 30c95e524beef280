import { RingBuffer } from '../core/ring-buffer.js';

/**
 * Output lines kept per task: what an attaching UI is sent when it starts watching a task, and
 * nothing reads further back (the UI keeps more of the task it watches; the full log is on disk).
 * Under a flood every kept line outlives a young-generation collection, so keeping more only
 * costs the engine memory and garbage-collection time.
 */
export const LINES_PER_TASK = 500;
const PROGRESS_INTERVAL_MS = 500;

/**
 * Recent output per task, bounded, plus the throttle for `progress` events (at most two a second
 * per task): output is never journaled, and a flooding agent must not flood the event stream.
 */
export class OutputBook {
  private readonly buffers = new Map<string, RingBuffer<string>>();
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly watchers = new Set<(key: string, lines: string[]) => void>();

  constructor(private readonly onProgress: (key: string, line: string) => void) {}

  add(key: string, lines: string[]): void {
    let buffer = this.buffers.get(key);
    if (!buffer) this.buffers.set(key, (buffer = new RingBuffer<string>(LINES_PER_TASK)));
    for (const line of lines) buffer.push(line);
    for (const watch of this.watchers) watch(key, lines);
    let last: string | undefined;
    for (let i = lines.length - 1; i >= 0 && last === undefined; i--) if (lines[i]!.trim() !== '') last = lines[i];
    if (last === undefined) return;
    this.pending.set(key, last);
    this.flushSoon();
  }

  /** Every new line as it arrives (the attach server streams the watched task's). */
  watch(listener: (key: string, lines: string[]) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  lines(key: string, n?: number): string[] {
    return this.buffers.get(key)?.tail(n) ?? [];
  }

  /** Starts a task's buffer afresh (a new attempt). */
  reset(key: string): void {
    this.buffers.delete(key);
    this.pending.delete(key);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushSoon(): void {
    if (this.timer) return;
    const now = Date.now();
    let wait = PROGRESS_INTERVAL_MS;
    for (const key of this.pending.keys()) {
      wait = Math.min(wait, (this.lastSent.get(key) ?? 0) + PROGRESS_INTERVAL_MS - now);
    }
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [key, line] of this.pending) {
      if (now - (this.lastSent.get(key) ?? 0) < PROGRESS_INTERVAL_MS) continue;
      this.pending.delete(key);
      this.lastSent.set(key, now);
      this.onProgress(key, line);
    }
    if (this.pending.size > 0) this.flushSoon();
  }
}
