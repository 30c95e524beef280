import { killTask } from './processes.js';
import { signalGroup, spawnDetached, type ExitStatus, type SpawnSpec } from './spawn.js';
import { LogTail } from './tail.js';

export interface JobSpec extends SpawnSpec {
  /** Whose processes these are, to find escaped ones by their environment. */
  owner: { runId: string; project: string; taskId: string };
  timeoutMs?: number;
  /** Sanitized output lines as they appear in the log. */
  onLines?: (lines: string[]) => void;
  pollMs?: number;
}

export interface JobResult extends ExitStatus {
  timedOut: boolean;
  /** Stopped by fleet (cancel, discard, shutdown) rather than ending by itself. */
  killed: boolean;
}

/**
 * One process (setup step, agent or check) run to completion in its own process group, its
 * output followed from the log file it writes directly into.
 */
export class Job {
  readonly pid: number;
  readonly result: Promise<JobResult>;
  private killed = false;
  private timedOut = false;

  constructor(private readonly spec: JobSpec) {
    const spawned = spawnDetached(spec);
    this.pid = spawned.pid;
    const tail = spec.onLines ? new LogTail(spec.logFile, spec.onLines) : undefined;
    const poll = tail ? setInterval(() => tail.poll(), spec.pollMs ?? 200) : undefined;
    const timer =
      spec.timeoutMs !== undefined
        ? setTimeout(() => {
            this.timedOut = true;
            void this.kill();
          }, spec.timeoutMs)
        : undefined;
    this.result = spawned.exited.then(async (status) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      // Background children the process left behind die with its group.
      await killTask(this.pid, spec.owner, 1000);
      tail?.finish();
      return { ...status, timedOut: this.timedOut, killed: this.killed && !this.timedOut };
    });
  }

  pause(): void {
    signalGroup(this.pid, 'SIGSTOP');
  }

  resume(): void {
    signalGroup(this.pid, 'SIGCONT');
  }

  async kill(): Promise<void> {
    if (!this.timedOut) this.killed = true;
    await killTask(this.pid, this.spec.owner);
  }
}
