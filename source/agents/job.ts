import type { SpawnSpec, ExitStatus } from './spawn.js';

/** Whose processes these are: a runner finds a task's escaped processes by these ids. */
export interface JobOwner {
  runId: string;
  project: string;
  taskId: string;
  /** Best-of-N: one candidate's processes are its own; the task's other candidates run on. */
  candidate?: number;
}

export interface JobSpec extends SpawnSpec {
  owner: JobOwner;
  timeoutMs?: number;
  /** Sanitized output lines as they appear in the log. */
  onLines?: (lines: string[]) => void;
  pollMs?: number;
  /**
   * Where the exit status is recorded outside the process, so a fleet that died meanwhile (the
   * process is detached and survives it) can still learn how it ended.
   */
  exitFile?: string;
}

export interface JobResult extends ExitStatus {
  timedOut: boolean;
  /** Stopped by fleet (cancel, discard, shutdown) rather than ending by itself. */
  killed: boolean;
  /** An adopted process that vanished without recording its status (killed along with its wrapper). */
  lost?: boolean;
}

/**
 * One process of a task (setup step, agent, check or gate command) run to completion, as the
 * engine sees it wherever it runs (docs/scale-out.md). `pid` and `startTime` are what the journal
 * keeps to adopt it after a restart.
 */
export interface Job {
  readonly pid: number;
  readonly startTime: string;
  readonly result: Promise<JobResult>;
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
}
