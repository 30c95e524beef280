import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RateLimitSignal } from '../agents/progress.js';
import { promptWithFailure, repairPrompt, resolvePrompt, revisionPrompt, taskEnv } from '../agents/command.js';
import type { FailurePhase, RevisionComment } from '../core/events.js';
import type { TaskSpec } from '../core/fleet.js';
import { autoCommit, currentBranch } from '../git/commit.js';
import { cleanEnv, gitOk } from '../git/exec.js';
import { revParse } from '../git/repo.js';
import { unsafeChanges } from '../git/unsafe-changes.js';
import { finishMerge, pathsWithMarkers, startMerge } from '../git/worktree-merge.js';
import { bringIgnoredFiles } from '../git/worktree-files.js';
import { branchName, worktreePath, type EngineContext } from './context.js';
import { logInternalError } from './internal-error.js';
import { attemptLogDir } from './host/paths.js';
import { runAgent } from './run-agent.js';
import { runShellSteps, type StepResult } from './steps.js';
import { ensureWorktree, WorktreeProblem, type WorktreeStart } from './worktrees/task-worktree.js';

export type AttemptOutcome =
  | { kind: 'queued' }
  | { kind: 'review' }
  | { kind: 'awaiting_approval' }
  | { kind: 'failed'; phase: FailurePhase; message: string; tail: string }
  /** The provider refused the agent for a rate limit: not the task's failure (docs/agents.md, "Rate limits"). */
  | { kind: 'rate_limited'; signal: RateLimitSignal }
  /** The user (or shutdown) stopped it; whoever stopped it has recorded the new state. */
  | { kind: 'stopped' };

/**
 * Where an attempt starts: from scratch, or (resumed) at its setup, agent or check; `resolve`
 * merges the base into the task's branch and has the agent resolve the conflict; `repair` does
 * the same after a failed gate and gives the agent the gate's log (on_gate_failure: agent);
 * `revise` runs the agent again on its own worktree and branch with the user's comments.
 */
export type StartAt = 'fresh' | 'setup' | 'agent' | 'check' | 'resolve' | 'repair' | 'revise';

/** The user's comments for a revision, and where the task's last run stopped (failure, gate log). */
export interface Revision {
  comments: RevisionComment[];
  report?: { summary: string; detail: string };
}

export interface AttemptInput {
  task: TaskSpec;
  attempt: number;
  slot: number;
  startAt: StartAt;
  /** The agent of a previous fleet process, still running: take it over instead of starting anew. */
  adopt?: { pid: number; startTime: string };
  failure?: { attempt: number; summary: string; detail: string };
  revision?: Revision;
  /** A fresh attempt's warm worktree, made ahead on this commit (docs/design.md#warm-worktrees). */
  warmed?: string;
}

class AttemptFailure extends Error {
  constructor(
    readonly phase: FailurePhase,
    message: string,
    readonly tail = '',
  ) {
    super(message);
  }
}

/** prepare → agent → auto-commit → check, in the task's own worktree (docs/design.md#task-lifecycle, #git-procedures). */
export async function runAttempt(ctx: EngineContext, input: AttemptInput): Promise<AttemptOutcome> {
  const { task, attempt } = input;
  const repo = ctx.project(task).path;
  const path = worktreePath(ctx, task);
  const branch = branchName(task);
  const logDir = attemptLogDir(ctx.paths, task, ctx.spec.multiProject, attempt);
  mkdirSync(join(logDir, 'tmp'), { recursive: true });
  const port = ctx.spec.portBase + input.slot;
  const stopped = () => ctx.stopping.has(task.key);

  try {
    if (input.startAt === 'fresh') ctx.emit({ type: 'attempt_started', key: task.key, attempt });
    const { revision } = input;
    const record = ctx.store.state.tasks[task.key];
    // Read before revision_started: a revision continues the session of the run it answers.
    const session = revision && task.resumeSession ? record?.sessionId : undefined;
    if (revision) {
      const number = (record?.revisions?.length ?? 0) + 1;
      ctx.emit({ type: 'revision_started', key: task.key, attempt, revision: number, comments: revision.comments });
    }
    const start: WorktreeStart = input.startAt === 'fresh' ? { fresh: true, warmed: input.warmed } : { fresh: false };
    const baseSha = await inPhase('worktree', () => ensureWorktree(ctx, task, attempt, start));
    const original = task.prompt ?? task.run ?? task.title;
    const prompt = revision ? revisionPrompt(original, revision.comments, revision.report) : promptWithFailure(original, input.failure);
    const promptFile = join(logDir, revision ? 'revise-prompt.txt' : 'prompt.txt');
    writeFileSync(promptFile, prompt);
    const env = cleanEnv(process.env, {
      ...taskEnv({
        task,
        prompt,
        promptFile,
        worktree: path,
        branch,
        attempt,
        runId: ctx.runId,
        fleetDir: ctx.spec.dir,
        port,
        agentEnv: task.run === undefined ? ctx.spec.agents[task.agent]?.env : undefined,
      }),
      TMPDIR: join(logDir, 'tmp'),
    });
    const deadline = Date.now() + task.timeoutMs;
    const steps = { cwd: path, env, deadline };

    // A resumed setup may follow a checkout that a crash cut short; the agent has not run yet.
    if (input.startAt === 'setup') await gitOk(path, ['reset', '--hard', '--quiet']);
    if (input.startAt === 'fresh' || input.startAt === 'setup') {
      await bringIgnoredFiles(repo, path, task.copy, task.link);
      const setup = await runShellSteps(ctx, task, task.setup, { ...steps, logFile: join(logDir, 'setup.log') });
      if (stopped()) return { kind: 'stopped' };
      failUnless(setup, 'setup');
    }

    if (input.startAt === 'resolve' || input.startAt === 'repair') {
      const outcome = await resolveWithAgent(ctx, input, { path, logDir, prompt, env, deadline, port });
      if (outcome) return outcome;
    } else if (input.startAt !== 'check') {
      const purpose = input.startAt === 'revise' ? 'revise' : 'agent';
      const result = await runAgent(ctx, { task, attempt, slot: input.slot, port, prompt, promptFile, cwd: path, env, deadline, logDir, purpose, adopt: input.adopt, session });
      if (stopped()) return { kind: 'stopped' };
      if (result.rateLimit) return { kind: 'rate_limited', signal: result.rateLimit };
      failUnless(result, 'agent');
    }

    if (!existsSync(path)) throw new AttemptFailure('agent', `the agent deleted its worktree ${path}`);
    const head = await inPhase('commit', async () => {
      await finishMerge(path, `Merge ${task.base} into ${branch}\n\nFleet-Task: ${task.id}`);
      return currentBranch(path);
    });
    if (head !== `refs/heads/${branch}`) {
      throw new AttemptFailure('agent', `the agent left its branch: HEAD is ${head ?? 'detached'}, expected ${branch}`);
    }
    const { tip } = await inPhase('commit', () => autoCommit(path, `${task.title}\n\nFleet-Task: ${task.id}`, [...task.copy, ...task.link], repo));
    const { findings: unsafe, changed } = await unsafeChanges(repo, baseSha, tip, [...task.copy, ...task.link]);
    if (!task.allowEmpty && !changed) {
      ctx.emit({ type: 'review', key: task.key, reason: 'no_changes', message: 'the task made no changes', paths: [], tail: '' });
      return { kind: 'review' };
    }
    if (unsafe.length > 0) {
      ctx.emit({
        type: 'review',
        key: task.key,
        reason: 'unsafe_change',
        message: 'the branch changes paths fleet will not merge unseen',
        paths: unsafe,
        tail: '',
      });
      return { kind: 'review' };
    }

    ctx.emit({ type: 'check_started', key: task.key, attempt, tip });
    const check = await runShellSteps(ctx, task, task.check, { ...steps, logFile: join(logDir, 'check.log') });
    if (stopped()) return { kind: 'stopped' };
    failUnless(check, 'check');
    // Held before the merge queue ever sees it: `fleet approve` lets it in (task_approved).
    if (task.approve) {
      ctx.emit({ type: 'approval_awaited', key: task.key, attempt, tip });
      return { kind: 'awaiting_approval' };
    }
    ctx.emit({ type: 'check_passed', key: task.key, attempt, tip });
    return { kind: 'queued' };
  } catch (error) {
    if (stopped()) return { kind: 'stopped' };
    if (error instanceof AttemptFailure) return { kind: 'failed', phase: error.phase, message: error.message, tail: error.tail };
    // Not the task's doing: fleet's own fault, shown as such and never charged to its retries.
    logInternalError(ctx, `${task.key} attempt ${attempt}`, error);
    return { kind: 'failed', phase: 'internal', message: `fleet hit an internal error: ${(error as Error).message}`, tail: '' };
  }
}

/** Any error inside `work` is the phase's failure (a git error while committing is a commit failure). */
async function inPhase<T>(phase: FailurePhase, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AttemptFailure) throw error;
    if (error instanceof WorktreeProblem) throw new AttemptFailure('worktree', error.message);
    throw new AttemptFailure(phase, `${phase}: ${(error as Error).message}`);
  }
}

function failUnless(result: StepResult, phase: FailurePhase): void {
  if (result.ok) return;
  throw new AttemptFailure(result.timedOut ? 'timeout' : phase, `${phase} ${result.message}`, result.tail);
}

/**
 * Merges the current base into the task's branch inside its worktree and, if that conflicts,
 * runs the agent with the conflicting paths to resolve them. The result then goes through the
 * normal commit, check and merge queue; it never goes straight to base. Returns an outcome only
 * when the attempt ends here.
 */
async function resolveWithAgent(
  ctx: EngineContext,
  input: AttemptInput,
  run: { path: string; logDir: string; prompt: string; env: NodeJS.ProcessEnv; deadline: number; port: number },
): Promise<AttemptOutcome | undefined> {
  const { task, attempt } = input;
  const repo = ctx.project(task).path;
  const baseTip = await revParse(repo, `refs/heads/${task.base}`);
  if (!baseTip) throw new AttemptFailure('worktree', `base branch ${task.base} does not exist in ${repo}`);
  const conflicts = await startMerge(run.path, baseTip, `Merge ${task.base} into ${branchName(task)}\n\nFleet-Task: ${task.id}`);
  const repair = input.startAt === 'repair';
  const review = ctx.store.state.tasks[task.key]?.review;
  ctx.emit({ type: 'resolve_started', key: task.key, attempt, base: baseTip, paths: conflicts });
  if (conflicts.length === 0 && !repair) return undefined; // the base moved again and merges cleanly now
  const promptFile = join(run.logDir, repair ? 'repair-prompt.txt' : 'resolve-prompt.txt');
  const prompt = repair
    ? repairPrompt(run.prompt, task.base, review?.message ?? 'the gate check failed', review?.tail ?? '', conflicts)
    : resolvePrompt(run.prompt, task.base, conflicts);
  writeFileSync(promptFile, prompt);
  const result = await runAgent(ctx, { task, attempt, slot: input.slot, port: run.port, prompt, promptFile, cwd: run.path, env: run.env, deadline: run.deadline, logDir: run.logDir, purpose: 'resolve' });
  if (ctx.stopping.has(task.key)) return { kind: 'stopped' };
  failUnless(result, 'agent');
  const left = await pathsWithMarkers(run.path, conflicts);
  if (left.length > 0) throw new AttemptFailure('agent', `conflict markers are still in ${left.join(', ')}`);
  return undefined;
}
