// A FleetView for UI tests: its state is real, folded from events through core `reduce`, and it
// records what the UI sends and hands off instead of acting on it.
import { criticalPath } from '../../source/core/dag.js';
import type { FleetEvent, ReviewReason, TaskInfo } from '../../source/core/events.js';
import { emptyRun, reduce, type RunState } from '../../source/core/state.js';
import type { DiffAnswer, FleetView, Handoff, RunInfo, UiCommand } from '../../source/ui/model/fleet-view.js';

/** "Now" in UI tests (the App gets `clock={() => NOW}`). */
export const NOW = new Date(2026, 0, 15, 12, 4, 0).getTime();
export const ago = (ms: number) => NOW - ms;

export class FakeView implements FleetView {
  state: RunState;
  readonly sent: UiCommand[] = [];
  readonly handoffs: Handoff[] = [];
  /** What send() answers; the engine's sentence in real life. */
  reply: (command: UiCommand) => { ok: boolean; message: string } = (c) => ({
    ok: true,
    message: 'key' in c ? `${c.key}: ${c.action} done` : `${c.action} done`,
  });
  private readonly lines = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();

  constructor(
    events: readonly FleetEvent[],
    private readonly runInfo: Partial<RunInfo> = {},
  ) {
    this.state = events.reduce(reduce, emptyRun('r1', '/work/api/fleet.yaml'));
  }

  /** Something happened in the run. */
  emit(...events: FleetEvent[]): void {
    for (const e of events) this.state = reduce(this.state, e);
    this.notify();
  }

  /** A task printed lines. */
  print(key: string, ...lines: string[]): void {
    this.lines.set(key, [...(this.lines.get(key) ?? []), ...lines]);
    this.notify();
  }

  info(): RunInfo {
    const nodes = this.state.order.map((key) => ({ key, dependsOn: this.state.tasks[key]!.dependsOn }));
    return {
      file: this.state.file,
      runId: this.state.runId,
      concurrency: 4,
      projects: [{ name: 'api', base: 'main' }],
      criticalPath: criticalPath(nodes),
      ...this.runInfo,
    };
  }

  getState(): RunState {
    return this.state;
  }

  getLines(key: string, n?: number): string[] {
    const all = this.lines.get(key) ?? [];
    return n === undefined ? [...all] : all.slice(Math.max(0, all.length - n));
  }

  logFile(key: string): string | undefined {
    const t = this.state.tasks[key];
    return t && t.attempt > 0 ? `/state/logs/r1/${key}/${t.attempt}/agent.log` : undefined;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async send(command: UiCommand): Promise<{ ok: boolean; message: string }> {
    this.sent.push(command);
    return this.reply(command);
  }

  /** What diff() answers; the engine runs git in real life. */
  diffs = new Map<string, DiffAnswer>();

  async diff(key: string): Promise<DiffAnswer> {
    return this.diffs.get(key) ?? { ok: false, message: `${key} has no change to show` };
  }

  async handoff(target: Handoff): Promise<void> {
    this.handoffs.push(target);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

// Events, as the engine emits them. Keys may carry a project ("api:schema").

const idOf = (key: string) => key.slice(key.indexOf(':') + 1);
export const worktreeOf = (key: string) => `/work/api.worktrees/${idOf(key)}`;

export function taskInfo(key: string, ...dependsOn: string[]): TaskInfo {
  return { key, id: idOf(key), project: 'api', title: `Do ${idOf(key)}`, dependsOn, agent: 'claude', base: 'main', retries: 0 };
}

export function added(key: string, ...dependsOn: string[]): FleetEvent {
  return { type: 'task_added', at: ago(3_600_000), task: taskInfo(key, ...dependsOn) };
}

export function started(key: string, at: number, attempt = 1): FleetEvent[] {
  return [
    { type: 'attempt_started', at, key, attempt },
    { type: 'worktree_ready', at, key, attempt, path: worktreeOf(key), branch: `fleet/${idOf(key)}`, baseSha: 'b0' },
    { type: 'agent_started', at, key, attempt, pid: 100, slot: 0, port: 41000 },
  ];
}

export function queued(key: string, at: number): FleetEvent[] {
  return [
    { type: 'agent_exited', at, key, attempt: 1, exitCode: 0, signal: null },
    { type: 'check_started', at, key, attempt: 1, tip: 't1' },
    { type: 'check_passed', at, key, attempt: 1, tip: 't1' },
  ];
}

export function merged(key: string, at: number): FleetEvent[] {
  return [
    { type: 'merge_started', at, key, base: 'main' },
    { type: 'task_merged', at, key, commit: 'abcdef1234567', base: 'main' },
    { type: 'cleanup_done', at, key },
  ];
}

export function review(key: string, at: number, paths: string[], reason: ReviewReason = 'conflict', tail = ''): FleetEvent[] {
  const message = reason === 'conflict' ? 'conflicts with main' : 'the gate check failed';
  return [...queued(key, at), { type: 'merge_started', at, key, base: 'main' }, { type: 'review', at, key, reason, message, paths, tail }];
}

export function failed(key: string, at: number, message: string, tail: string): FleetEvent[] {
  return [{ type: 'attempt_failed', at, key, attempt: 1, phase: 'check', message, tail, willRetry: false }];
}
