import type { TerminalNotify } from '../../core/notify.js';
import type { FleetEvent, RevisionComment } from '../../core/events.js';
import type { RunState } from '../../core/state.js';
import type { ActionRequest } from './inbox.js';

/** JSON lines between the engine (server) and an attached UI (client). */
export type ServerMessage =
  | { t: 'hello'; state: RunState; stateDir: string; multiProject: boolean; concurrency: number; notify?: TerminalNotify; projects: { name: string; base: string }[] }
  | { t: 'event'; event: FleetEvent }
  /** Output lines of the watched task; `reset` replaces what the client had. */
  | { t: 'lines'; key: string; lines: string[]; reset: boolean }
  | { t: 'result'; id: string; ok: boolean; message: string }
  /** The answer to a `diff` request: the lines (sanitized, SGR colour) or why there are none. */
  | { t: 'diff'; id: string; ok: boolean; what: string; lines: string[]; message: string }
  | { t: 'bye'; reason: string };

export type ClientMessage =
  | { t: 'watch'; key: string }
  | { t: 'command'; id: string; action: ActionRequest['action']; key?: string; comments?: RevisionComment[] }
  | { t: 'diff'; id: string; key: string }
  /** Quit and stop the agents (the UI's "stop them"); a plain disconnect leaves them running. */
  | { t: 'shutdown' };

/** Splits a byte stream into JSON messages; a malformed line is dropped, never thrown. */
export class LineDecoder<T> {
  private buffer = '';

  constructor(private readonly maxLine = 64 * 1024 * 1024) {}

  push(chunk: string): T[] {
    this.buffer += chunk;
    const out: T[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // not a message
      }
    }
    if (this.buffer.length > this.maxLine) this.buffer = '';
    return out;
  }
}
