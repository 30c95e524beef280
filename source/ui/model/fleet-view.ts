import type { TerminalNotify } from '../../core/notify.js';
import type { TaskAction } from '../../core/actions.js';
import type { RevisionComment } from '../../core/events.js';
import type { RunState } from '../../core/state.js';

/** What the user can ask of the engine from the UI: a task action, or pausing new starts. */
export type UiCommand =
  | { action: TaskAction; key: string; comments?: RevisionComment[] }
  | { action: 'pause-all' | 'resume-all' };

/** Things the UI hands the terminal to: it suspends itself, the host runs them, the UI comes back. */
export type Handoff = { kind: 'shell'; cwd: string } | { kind: 'editor'; path: string } | { kind: 'pager'; file: string };

export type DiffAnswer = { ok: true; what: string; lines: string[] } | { ok: false; message: string };

export interface RunInfo {
  file: string;
  runId: string;
  concurrency: number;
  /** How this terminal is told that a task needs the user (notify.terminal); nothing when absent. */
  notify?: TerminalNotify;
  projects: { name: string; base: string }[];
  /** Task keys on the critical path, first first. */
  criticalPath: string[];
}

/**
 * The UI's whole window onto a run: it reads state and output, and sends commands. It never
 * runs git or spawns anything itself; the engine (in-process or behind `fleet attach`'s socket)
 * does. Implementations call listeners often; the UI throttles its renders.
 */
export interface FleetView {
  info(): RunInfo;
  getState(): RunState;
  /** The last `n` sanitized output lines of a task (SGR colour only), oldest first. */
  getLines(key: string, n?: number): string[];
  /** Full log of a task's current attempt, for the pager. */
  logFile(key: string): string | undefined;
  subscribe(listener: () => void): () => void;
  /** Resolves with one sentence saying what happened (or why it was refused). */
  send(command: UiCommand): Promise<{ ok: boolean; message: string }>;
  /** The task's change against its base, produced (and sanitized) by the engine. */
  diff(key: string): Promise<DiffAnswer>;
  /** Runs a shell, editor or pager on the real terminal; resolves when it exits. */
  handoff(target: Handoff): Promise<void>;
}
