import { existsSync, readFileSync } from 'node:fs';
import { isSameProcess, killTask, processStartTime } from './processes.js';
import { signalGroup, spawnDetached, type ExitStatus, type SpawnSpec } from './spawn.js';
import { LogTail } from './tail.js';

export interface JobSpec extends SpawnSpec {
  /** Whose processes these are, to find escaped ones by their environment. */
  owner: { runId: string; project: string; taskId: string; candidate?: number };
  timeoutMs?: number;
  /** Sanitized output lines as they appear in the log. */
  onLines?: (lines: string[]) => void;
  pollMs?: number;
  /**
   * Where a tiny shell wrapper records the exit status, so a fleet that died meanwhile (the
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

// "$@" is the real argv: never parsed by the shell. The status is written then renamed, so a
// reader sees all of it or nothing.
const WRAPPER = '"$@"; s=$?; printf %s "$s" > "$FLEET_EXIT_FILE.tmp" && mv -f "$FLEET_EXIT_FILE.tmp" "$FLEET_EXIT_FILE"; exit "$s"';

/**
 * One process (setup step, agent or check) run to completion in its own process group, its
 * output followed from the log file it writes directly into.
 */
export class Job {
  readonly pid: number;
  /** With the pid, identifies the process across a fleet restart. */
  readonly startTime: string;
  readonly result: Promise<JobResult>;
  private killed = false;
  private timedOut = false;

  private constructor(
    private readonly spec: JobSpec,
    pid: number,
    exited: Promise<ExitStatus & { lost?: boolean }>,
    tailFrom: 'start' | 'end',
  ) {
    this.pid = pid;
    this.startTime = processStartTime(pid);
    const tail = spec.onLines ? new LogTail(spec.logFile, spec.onLines, undefined, tailFrom) : undefined;
    const poll = tail ? setInterval(() => tail.poll(), spec.pollMs ?? 200) : undefined;
    const timer =
      spec.timeoutMs !== undefined
        ? setTimeout(() => {
            this.timedOut = true;
            void this.kill();
          }, spec.timeoutMs)
        : undefined;
    this.result = exited.then(async (status) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      // Background children the process left behind die with its group.
      await killTask(this.pid, spec.owner, 1000);
      tail?.finish();
      return { ...status, timedOut: this.timedOut, killed: this.killed && !this.timedOut };
    });
  }

  static start(spec: JobSpec): Job {
    const argv = spec.exitFile ? ['sh', '-c', WRAPPER, 'fleet-job', ...spec.argv] : spec.argv;
    const env = spec.exitFile ? { ...spec.env, FLEET_EXIT_FILE: spec.exitFile } : spec.env;
    const spawned = spawnDetached({ ...spec, argv, env });
    return new Job(spec, spawned.pid, spawned.exited, 'start');
  }

  /**
   * Takes over a process a previous fleet started: it is not our child, so its end is noticed by
   * polling and its status read from the exit file. Output already in the log is not replayed.
   */
  static adopt(spec: JobSpec & { exitFile: string }, pid: number, startTime: string): Job {
    const exited = new Promise<ExitStatus & { lost?: boolean }>((resolve) => {
      const check = setInterval(() => {
        if (isSameProcess(pid, startTime)) return;
        clearInterval(check);
        resolve(readExitFile(spec.exitFile) ?? { exitCode: null, signal: null, lost: true });
      }, spec.pollMs ?? 200);
    });
    return new Job(spec, pid, exited, 'end');
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

/** The status a wrapper recorded, if it got to record one. */
export function readExitFile(path: string): ExitStatus | undefined {
  if (!existsSync(path)) return undefined;
  const code = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(code)) return undefined;
  return code > 128 ? { exitCode: code, signal: `signal ${code - 128}` } : { exitCode: code, signal: null };
}
