import { spawnSync } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { criticalPath } from '../../core/dag.js';
import { RingBuffer } from '../../core/ring-buffer.js';
import { emptyRun, reduce, type RunState } from '../../core/state.js';
import { attemptLogDir, runPaths } from '../../engine/host/paths.js';
import { LineDecoder, type ClientMessage, type ServerMessage } from '../../engine/host/protocol.js';
import { checkPrivateDir, checkSocketOwner } from '../../engine/host/socket-path.js';
import type { DiffAnswer, FleetView, Handoff, RunInfo, UiCommand } from '../../ui/model/fleet-view.js';
import { dirname } from 'node:path';

/** What the engine answers a request with. */
type Answer = Extract<ServerMessage, { t: 'result' | 'diff' }>;

const LINES_KEPT = 2000;

/**
 * A FleetView over the engine's socket: state is rebuilt locally by folding the same events
 * through the same reducer; output arrives for the watched task only.
 */
export class RemoteView implements FleetView {
  private state: RunState = emptyRun();
  private hello: Extract<ServerMessage, { t: 'hello' }> | undefined;
  private readonly buffers = new Map<string, RingBuffer<string>>();
  private readonly listeners = new Set<() => void>();
  /** Requests awaiting their answer (a command's result, a diff), by id; all answered "closed" when the run goes. */
  private readonly pending = new Map<string, { answer: (m: Answer) => void; close: (reason: string) => void }>();
  private watching: string | undefined;
  private nextId = 0;
  /** Why the server said goodbye, once it has. */
  closed: string | undefined;
  private closeWaiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {}

  static async connect(path: string): Promise<RemoteView> {
    checkPrivateDir(dirname(path));
    checkSocketOwner(path);
    const socket = createConnection(path);
    socket.setEncoding('utf8');
    const view = new RemoteView(socket);
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      const decoder = new LineDecoder<ServerMessage>();
      socket.on('data', (chunk: string) => {
        for (const m of decoder.push(chunk)) {
          view.receive(m);
          if (m.t === 'hello') resolve();
        }
      });
    });
    socket.on('close', () => view.markClosed(view.closed ?? 'the connection to the engine closed'));
    await ready;
    return view;
  }

  info(): RunInfo {
    const h = this.hello!;
    const nodes = this.state.order.map((k) => ({ key: k, dependsOn: this.state.tasks[k]!.dependsOn }));
    return { file: this.state.file, runId: this.state.runId, concurrency: h.concurrency, notify: h.notify, projects: h.projects, criticalPath: criticalPath(nodes) };
  }

  getState(): RunState {
    return this.state;
  }

  getLines(key: string, n?: number): string[] {
    if (this.watching !== key) {
      this.watching = key;
      this.write({ t: 'watch', key });
    }
    return this.buffers.get(key)?.tail(n) ?? [];
  }

  logFile(key: string): string | undefined {
    const t = this.state.tasks[key];
    if (!t || t.attempt === 0 || !this.hello) return undefined;
    const paths = runPaths(this.hello.stateDir, this.state.runId);
    return join(attemptLogDir(paths, t, this.hello.multiProject, t.attempt), 'agent.log');
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(command: UiCommand): Promise<{ ok: boolean; message: string }> {
    const key = 'key' in command ? command.key : undefined;
    const comments = 'comments' in command ? command.comments : undefined;
    return this.request((id) => ({ t: 'command', id, action: command.action, key, comments }), (m) => ({ ok: m.ok, message: m.message }));
  }

  diff(key: string): Promise<DiffAnswer> {
    return this.request(
      (id) => ({ t: 'diff', id, key }),
      (m) => (m.t === 'diff' && m.ok ? { ok: true, what: m.what, lines: m.lines } : { ok: false, message: m.message }),
    );
  }

  /** Sends `message` under a fresh id; `read` turns the answer into the result, a closed run answers { ok: false }. */
  private request<T>(message: (id: string) => ClientMessage, read: (m: Answer) => T | { ok: false; message: string }): Promise<T | { ok: false; message: string }> {
    if (this.closed) return Promise.resolve({ ok: false, message: this.closed });
    const id = `ui-${process.pid}-${this.nextId++}`;
    return new Promise((resolve) => {
      this.pending.set(id, { answer: (m) => resolve(read(m)), close: (reason) => resolve({ ok: false, message: reason }) });
      this.write(message(id));
    });
  }

  /** Environment changes for shells, editors and pagers: what the UI process set only for itself is taken back. */
  handoffEnv: Record<string, string | undefined> = {};

  async handoff(target: Handoff): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.handoffEnv };
    for (const [k, v] of Object.entries(this.handoffEnv)) if (v === undefined) delete env[k];
    if (target.kind === 'shell') spawnSync(env.SHELL || '/bin/sh', [], { cwd: target.cwd, stdio: 'inherit', env });
    else if (target.kind === 'editor') spawnSync(env.VISUAL || env.EDITOR || 'vi', [target.path], { stdio: 'inherit', env });
    else spawnSync(env.PAGER || 'less', [target.file], { stdio: 'inherit', env: { LESS: 'R', ...env } });
  }

  /** Asks the engine to stop its agents and end the run (the UI's "stop them and quit"). */
  shutdown(): void {
    this.write({ t: 'shutdown' });
  }

  disconnect(): void {
    this.socket.end();
  }

  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
  }

  private write(message: ClientMessage): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private markClosed(reason: string): void {
    this.closed ??= reason;
    for (const [, request] of this.pending) request.close(reason);
    this.pending.clear();
    for (const w of this.closeWaiters.splice(0)) w();
    this.notify();
  }

  private receive(m: ServerMessage): void {
    switch (m.t) {
      case 'hello':
        this.hello = m;
        this.state = m.state;
        break;
      case 'event':
        this.state = reduce(this.state, m.event);
        if (m.event.type === 'attempt_started') this.buffers.delete(m.event.key); // the engine starts its buffer afresh too
        break;
      case 'lines': {
        let buffer = this.buffers.get(m.key);
        if (!buffer || m.reset) this.buffers.set(m.key, (buffer = new RingBuffer<string>(LINES_KEPT)));
        for (const line of m.lines) buffer.push(line);
        break;
      }
      case 'result':
      case 'diff':
        this.pending.get(m.id)?.answer(m);
        this.pending.delete(m.id);
        break;
      case 'bye':
        this.markClosed(m.reason);
        return;
    }
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}
