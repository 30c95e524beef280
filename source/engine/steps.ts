import { appendFileSync } from 'node:fs';
import type { Job } from '../agents/job.js';
import type { RateLimitSignal } from '../agents/progress.js';
import type { TaskSpec } from '../core/fleet.js';
import type { EngineContext } from './context.js';

export interface StepResult {
  ok: boolean;
  /** An adopted process ended without recording its status: the step has to run again. */
  lost?: boolean;
  exitCode: number | null;
  timedOut: boolean;
  killed: boolean;
  /** One sentence: which command failed and how. */
  message: string;
  tail: string;
  /** The agent's CLI reported a provider rate limit and exited non-zero: wait and rerun, uncharged. */
  rateLimit?: RateLimitSignal;
}

export interface StepOptions {
  cwd: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  deadline?: number;
  /** Whose output pane the lines go to. */
  showAs?: string;
  /** Where the job is registered in ctx.jobs, when it is not the task's own process (a gate run). */
  jobKey?: string;
  onStart?: (job: Job) => void;
}

/** Runs shell commands one after another (setup, check), stopping at the first failure. */
export async function runShellSteps(ctx: EngineContext, task: TaskSpec, commands: string[], opts: StepOptions): Promise<StepResult> {
  for (const command of commands) {
    appendFileSync(opts.logFile, `$ ${command}\n`);
    const result = await runJob(ctx, task, ['sh', '-c', command], opts);
    if (!result.ok) return { ...result, message: `\`${command}\` ${result.message}` };
  }
  return { ok: true, exitCode: 0, timedOut: false, killed: false, message: 'ok', tail: '' };
}

/** Runs one process for a task, registered so pause/cancel reach it, output shown in its pane. */
export async function runJob(
  ctx: EngineContext,
  task: TaskSpec,
  argv: string[],
  opts: StepOptions & {
    stdinFile?: string;
    exitFile?: string;
    /** A live process of a previous fleet to take over instead of starting one. */
    adopt?: { pid: number; startTime: string };
    /** Turns each sanitized line into what the pane shows (structured agent output → readable text). */
    display?: (line: string) => string[];
  },
): Promise<StepResult> {
  const key = opts.showAs ?? task.key;
  const timeoutMs = opts.deadline === undefined ? undefined : Math.max(1, opts.deadline - Date.now());
  const spec = {
    argv,
    cwd: opts.cwd,
    env: opts.env,
    logFile: opts.logFile,
    stdinFile: opts.stdinFile,
    exitFile: opts.exitFile,
    timeoutMs,
    owner: { runId: ctx.runId, project: task.project, taskId: task.id, candidate: task.asCandidate },
    onLines: (lines: string[]) => ctx.output.add(key, opts.display ? lines.flatMap(opts.display) : lines),
  };
  const job = opts.adopt && opts.exitFile ? ctx.runner.adopt({ ...spec, exitFile: opts.exitFile }, opts.adopt.pid, opts.adopt.startTime) : ctx.runner.start(spec);
  const jobKey = opts.jobKey ?? task.key;
  ctx.jobs.set(jobKey, job);
  opts.onStart?.(job);
  if (ctx.store.state.tasks[task.key]?.paused) job.pause();
  try {
    const r = await job.result;
    const tail = ctx.runner.logTail(opts.logFile);
    if (r.lost) return { ok: false, exitCode: null, timedOut: false, killed: false, lost: true, message: 'vanished without an exit status', tail };
    if (r.spawnError) return { ok: false, exitCode: null, timedOut: false, killed: false, message: r.spawnError, tail };
    const ok = r.exitCode === 0 && !r.timedOut && !r.killed;
    const message = r.timedOut
      ? 'timed out'
      : r.killed
        ? 'was stopped'
        : r.signal
          ? `was killed by ${r.signal}`
          : `exited with status ${r.exitCode}`;
    return { ok, exitCode: r.exitCode, timedOut: r.timedOut, killed: r.killed, message, tail };
  } finally {
    if (ctx.jobs.get(jobKey) === job) ctx.jobs.delete(jobKey);
  }
}
