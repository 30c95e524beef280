// The seam between the engine and where a task's processes run. Everything fleet does to a
// process goes through a Runner: start it, take it over after a restart, pause, stop, learn its
// exit status, follow its log. Only `localRunner` exists; docs/scale-out.md says how SSH hosts,
// containers and Kubernetes Jobs would fit behind the same interface.
import type { Job, JobOwner, JobSpec } from './job.js';
import { LocalJob } from './local-job.js';
import { readLogTail } from './log-tail.js';
import { isSameProcess, killTask } from './processes.js';

export interface Runner {
  /** Starts one process of a task: a setup step, the agent, a check or a gate command. */
  start(spec: JobSpec): Job;
  /**
   * Takes over a process a previous fleet started, known by the pid and start time the journal
   * kept; its output already logged is not replayed, and its status is read from `exitFile`.
   */
  adopt(spec: JobSpec & { exitFile: string }, pid: number, startTime: string): Job;
  /** True when the process a journal recorded is still the one running. */
  isAlive(pid: number, startTime: string | undefined): boolean;
  /** Stops everything a task runs: `pid`'s group, when known, and any process that escaped it. */
  killTask(pid: number | undefined, owner: JobOwner): Promise<void>;
  /** The last lines of a job's log, sanitized and without colour: what a failure report quotes. */
  logTail(logFile: string): string;
}

/** This machine: detached process groups, logs and exit files on the local disk, found again by /proc. */
export const localRunner: Runner = {
  start: (spec) => LocalJob.start(spec),
  adopt: (spec, pid, startTime) => LocalJob.adopt(spec, pid, startTime),
  isAlive: isSameProcess,
  killTask: (pid, owner) => killTask(pid, owner),
  logTail: (logFile) => readLogTail(logFile),
};
