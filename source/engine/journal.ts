import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { FleetEvent } from '../core/events.js';

/**
 * Append-only JSONL of every durable event. Each append is written and fdatasync'd before the
 * side effect it announces, so after a crash the journal never claims less than happened.
 */
export class Journal {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  append(event: FleetEvent): void {
    this.fd ??= openSync(this.path, 'a', 0o600);
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a journal back. A crash can cut the last line short; that line is dropped (its side
 * effect, if any, is found again by the reconcile pass), every earlier line must parse.
 */
export function readJournal(path: string): FleetEvent[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const events: FleetEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as FleetEvent);
    } catch (error) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!isLast) throw new Error(`journal ${path} is damaged at line ${i + 1}: ${(error as Error).message}`);
    }
  });
  return events;
}
