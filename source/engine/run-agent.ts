import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { taskArgv } from '../agents/command.js';
import { createProgressParser, type RateLimitSignal } from '../agents/progress.js';
import type { AgentProgressInfo } from '../core/events.js';
import type { AgentSpec, TaskSpec } from '../core/fleet.js';
import type { EngineContext } from './context.js';
import { runJob, type StepResult } from './steps.js';

export interface AgentRun {
  task: TaskSpec;
  attempt: number;
  slot: number;
  port: number;
  /** The prompt as given to the agent (argv element, stdin or FLEET_PROMPT_FILE). */
  prompt: string;
  promptFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  deadline: number;
  logDir: string;
  /**
   * `agent` for an attempt's own run; `resolve` for a conflict resolution, `revise` for the user's
   * comments (each with its own log and exit files).
   */
  purpose: 'agent' | 'resolve' | 'revise';
  /** A session of the agent CLI to continue (a revision), where the agent has a resume command. */
  session?: string;
  /** The agent of a previous fleet process, still running: take it over instead of starting anew. */
  adopt?: { pid: number; startTime: string };
}

/**
 * The one way fleet runs a task's agent (or `run:` command): attempts and conflict resolutions
 * alike get the structured-output parser, `agent_started`/`agent_exited` events, adoption of a
 * live agent after a crash, and a second start when an adopted agent died with the old fleet.
 */
export async function runAgent(ctx: EngineContext, run: AgentRun): Promise<StepResult> {
  const { task, attempt } = run;
  const agent = task.run === undefined ? ctx.spec.agents[task.agent] : undefined;
  const progress = agent ? agentProgress(ctx, task, attempt, agent, run.cwd) : undefined;
  const exitFile = join(run.logDir, `${run.purpose}.exit`);
  let session = agent?.resume ? run.session : undefined;
  const start = (adopt?: { pid: number; startTime: string }) =>
    runJob(ctx, task, taskArgv(task, agent, run.prompt, session), {
      cwd: run.cwd,
      env: { ...run.env, FLEET_PROMPT_FILE: run.promptFile, ...(run.purpose === 'resolve' ? { FLEET_RESOLVING: '1' } : {}) },
      deadline: run.deadline,
      display: progress?.display,
      logFile: join(run.logDir, `${run.purpose}.log`),
      exitFile,
      stdinFile: agent?.stdin === 'prompt' ? run.promptFile : undefined,
      adopt,
      onStart: (job) =>
        ctx.emit({
          type: 'agent_started',
          key: task.key,
          attempt,
          pid: job.pid,
          startTime: job.startTime,
          slot: run.slot,
          port: run.port,
          adopted: adopt !== undefined,
        }),
    });
  if (!run.adopt) rmSync(exitFile, { force: true });
  let result = await start(run.adopt);
  if (result.lost && !ctx.stopping.has(task.key)) {
    // The adopted agent died with its wrapper (killed with the old fleet): run it again.
    await ctx.runner.killTask(undefined, { runId: ctx.runId, project: task.project, taskId: task.id });
    rmSync(exitFile, { force: true });
    result = await start();
  }
  if (session !== undefined && !result.ok && !result.timedOut && progress?.session === undefined && !ctx.stopping.has(task.key)) {
    // The CLI would not continue the session (expired, pruned, another machine): start cold,
    // with the same prompt, which carries the original task and the feedback in full.
    ctx.output.add(task.key, [`fleet: ${task.agent} did not resume session ${session}; starting a new session with the same feedback`]);
    session = undefined;
    rmSync(exitFile, { force: true });
    result = await start();
  }
  progress?.flush();
  ctx.emit({ type: 'agent_exited', key: task.key, attempt, exitCode: result.exitCode, signal: result.timedOut ? 'timeout' : null });
  // Both the CLI's own event and its exit status: a CLI that retried and then went on is fine.
  const limited = !result.ok && !result.timedOut && !result.killed && result.exitCode !== null;
  return limited && progress?.rateLimit ? { ...result, rateLimit: progress.rateLimit } : result;
}

const AGENT_PROGRESS_MS = 500;

/**
 * Reads an agent CLI's structured output (stream-json and kin): the pane gets readable lines,
 * the store gets the current action, turns, tokens and cost, at most twice a second.
 */
function agentProgress(ctx: EngineContext, task: TaskSpec, attempt: number, agent: AgentSpec, cwd: string) {
  // Only an agent that can resume a session needs its id: others' lines are not searched for one.
  const parse = createProgressParser(agent.command[0] ?? '', cwd, { sessions: agent.resume !== undefined });
  let pending: AgentProgressInfo | undefined;
  let timer: NodeJS.Timeout | undefined;
  let rateLimit: RateLimitSignal | undefined;
  let session: string | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending) ctx.emit({ type: 'agent_progress', key: task.key, attempt, ...pending });
    pending = undefined;
  };
  return {
    flush,
    get rateLimit() {
      return rateLimit;
    },
    /** The session this run's stream named, once it has. */
    get session() {
      return session;
    },
    display(line: string): string[] {
      const parsed = parse(line);
      if (session === undefined && parsed.session !== undefined) {
        session = parsed.session;
        ctx.emit({ type: 'agent_session', key: task.key, attempt, sessionId: session });
      }
      if (parsed.rateLimit) rateLimit = parsed.rateLimit;
      if (parsed.progress) {
        pending = { ...pending, ...parsed.progress };
        timer ??= setTimeout(flush, AGENT_PROGRESS_MS);
      }
      return parsed.display === '' ? [] : parsed.display.split('\n');
    },
  };
}
