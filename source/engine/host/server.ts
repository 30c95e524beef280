import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { DiffUnavailable, taskDiff } from '../diff.js';
import type { Engine } from '../engine.js';
import { applyRequest } from './inbox.js';
import { LINES_PER_TASK } from '../output.js';
import { LineDecoder, type ClientMessage, type ServerMessage } from './protocol.js';
import { ensurePrivateDir } from './socket-path.js';

const BACKFILL_LINES = LINES_PER_TASK;
/** The diff view shows this much of a change; `fleet diff` shows all of it. */
const MAX_DIFF_LINES = 20_000;
const FLUSH_MS = 50;

interface Client {
  socket: Socket;
  watching?: string;
  pending: string[];
}

/**
 * Serves a run to attached UIs over a Unix socket: a snapshot on connect, then every event and
 * the watched task's output (batched), and commands back. Output is sent only for the task a
 * client watches, so sixteen flooding agents cost one stream, not sixteen.
 */
export class EngineServer {
  private server: Server | undefined;
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private changeWaiters: (() => void)[] = [];
  onShutdown: () => void = () => undefined;

  constructor(
    private readonly engine: Engine,
    readonly path: string,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  async listen(): Promise<void> {
    ensurePrivateDir(dirname(this.path));
    if (existsSync(this.path)) {
      if (await isLive(this.path)) throw new Error(`another fleet is serving ${this.path}`);
      unlinkSync(this.path); // a crashed fleet's socket
    }
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.path, () => resolve());
    });
    const { store, output } = this.engine.ctx;
    this.unsubscribe.push(store.subscribe((_s, event) => this.broadcast({ t: 'event', event })));
    this.unsubscribe.push(
      output.watch((key, lines) => {
        for (const c of this.clients) if (c.watching === key) c.pending.push(...lines);
        this.flushSoon();
      }),
    );
  }

  /** Resolves when a client connects, disconnects or sends a command: the run loop looks again. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  async close(reason: string): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flush();
    for (const c of this.clients) {
      send(c.socket, { t: 'bye', reason });
      c.socket.end();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  private changed(): void {
    const waiters = this.changeWaiters.splice(0);
    for (const w of waiters) w();
  }

  private accept(socket: Socket): void {
    const client: Client = { socket, pending: [] };
    this.clients.add(client);
    socket.setEncoding('utf8');
    const { spec } = this.engine.ctx;
    send(socket, {
      t: 'hello',
      state: this.engine.ctx.store.state,
      stateDir: this.engine.ctx.paths.stateDir,
      multiProject: spec.multiProject,
      concurrency: spec.concurrency,
      notify: spec.notify.terminal,
      projects: spec.projects.map((p) => ({ name: p.name, base: spec.tasks.find((t) => t.project === p.name)?.base ?? 'main' })),
    });
    const decoder = new LineDecoder<ClientMessage>(1024 * 1024);
    socket.on('data', (chunk: string) => {
      for (const message of decoder.push(chunk)) void this.handle(client, message);
    });
    const drop = () => {
      if (this.clients.delete(client)) this.changed();
    };
    socket.on('close', drop);
    socket.on('error', drop);
    this.changed();
  }

  private async handle(client: Client, message: ClientMessage): Promise<void> {
    if (message.t === 'watch' && typeof message.key === 'string') {
      client.watching = message.key;
      client.pending = [];
      send(client.socket, { t: 'lines', key: message.key, lines: this.engine.ctx.output.lines(message.key, BACKFILL_LINES), reset: true });
    } else if (message.t === 'command' && typeof message.id === 'string') {
      const result = await applyRequest(this.engine, { id: message.id, action: message.action, keys: message.key ? [message.key] : [], at: Date.now(), comments: message.comments });
      send(client.socket, { t: 'result', id: message.id, ok: result.ok, message: result.lines.join('\n') });
      this.changed();
    } else if (message.t === 'diff' && typeof message.id === 'string') {
      send(client.socket, { t: 'diff', id: message.id, ...(await this.diff(message.key)) });
    } else if (message.t === 'shutdown') {
      this.onShutdown();
    }
  }

  private async diff(key: string): Promise<{ ok: boolean; what: string; lines: string[]; message: string }> {
    const { ctx } = this.engine;
    const record = ctx.store.state.tasks[key];
    if (!record) return { ok: false, what: '', lines: [], message: `there is no task "${key}" in this run` };
    try {
      const diff = await taskDiff({ repo: ctx.project(ctx.task(key)).path, runId: ctx.runId, record, color: true, maxLines: MAX_DIFF_LINES });
      return { ok: true, what: diff.what, lines: diff.lines, message: '' };
    } catch (error) {
      return { ok: false, what: '', lines: [], message: error instanceof DiffUnavailable ? error.message : `no diff of ${key}: ${(error as Error).message}` };
    }
  }

  private broadcast(message: ServerMessage): void {
    for (const c of this.clients) send(c.socket, message);
  }

  private flushSoon(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const c of this.clients) {
      if (!c.watching || c.pending.length === 0) continue;
      // A client that fell far behind gets the newest lines only.
      const lines = c.pending.length > BACKFILL_LINES ? c.pending.slice(-BACKFILL_LINES) : c.pending;
      send(c.socket, { t: 'lines', key: c.watching, lines, reset: c.pending.length > BACKFILL_LINES });
      c.pending = [];
    }
  }
}

/** A client this far behind (a stalled SSH link) is dropped; it can attach again and resync. */
const MAX_BUFFERED = 16 * 1024 * 1024;

function send(socket: Socket, message: ServerMessage): void {
  if (socket.destroyed || !socket.writable) return;
  if (socket.writableLength > MAX_BUFFERED) {
    socket.destroy();
    return;
  }
  socket.write(`${JSON.stringify(message)}\n`);
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
