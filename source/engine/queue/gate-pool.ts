// The gate worktrees of one repository's merge queue (docs/merge-queue.md, Parallel gates). Each
// gate is a detached worktree `_gate-<run>[-n]` with its own FLEET_PORT after the agents' ports,
// so gate runs and agents never share a port. A gate keeps its setup between runs and runs setup
// again only when a dependency manifest changed since the commit it last set up.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { taskEnv } from '../../agents/command.js';
import type { Job } from '../../agents/job.js';
import type { ProjectSpec, TaskSpec } from '../../core/fleet.js';
import { gatePath } from '../../core/names.js';
import { cleanEnv } from '../../git/exec.js';
import { changedPaths } from '../../git/repo.js';
import { prepareGateWorktree, removeWorktree } from '../../git/worktree.js';
import { bringIgnoredFiles } from '../../git/worktree-files.js';
import type { EngineContext } from '../context.js';
import { runShellSteps, type StepResult } from '../steps.js';

/** Files whose change means the gate's installed dependencies are stale. */
const SETUP_INPUTS = /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|go\.sum|poetry\.lock|uv\.lock|requirements[^/]*\.txt|Gemfile\.lock)$/;

export interface Gate {
  n: number;
  path: string;
  port: number;
  /** The commit this gate last ran setup on. */
  setUp?: string;
  job?: Job;
}

export interface GateRun {
  /** Whose check and environment the run uses: the first task of the batch. */
  task: TaskSpec;
  /** All tasks whose work is in the tree, for FLEET_GATE_TASKS. */
  ids: string[];
  commit: string;
  attempt: number;
  logFile: string;
}

export class GatePool {
  private readonly gates: Gate[];
  private readonly free: Gate[];
  private waiters: ((gate: Gate) => void)[] = [];

  constructor(
    private readonly ctx: EngineContext,
    private readonly project: ProjectSpec,
  ) {
    const first = ctx.spec.portBase + ctx.spec.concurrency;
    this.gates = Array.from({ length: Math.max(1, project.queue.gates) }, (_, n) => ({
      n,
      path: gatePath(project.worktreeDir, ctx.runId, n),
      port: first + n,
    }));
    this.free = [...this.gates];
  }

  get available(): number {
    return this.free.length;
  }

  /** A free gate, waiting for one if all are running. */
  acquire(): Promise<Gate> {
    const gate = this.free.shift();
    if (gate) return Promise.resolve(gate);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(gate: Gate): void {
    gate.job = undefined;
    const waiter = this.waiters.shift();
    if (waiter) waiter(gate);
    else this.free.push(gate);
  }

  /** Stops a run in progress (a speculative batch whose predecessor failed). */
  async cancel(gate: Gate): Promise<void> {
    await gate.job?.kill();
  }

  /** Checks out `run.commit` in the gate, runs setup when needed, then the check. */
  async run(gate: Gate, run: GateRun): Promise<StepResult> {
    const repo = this.project.path;
    const task = run.task;
    mkdirSync(dirname(run.logFile), { recursive: true });
    const previous = gate.setUp;
    await prepareGateWorktree(repo, gate.path, run.commit);
    const env = cleanEnv(process.env, {
      ...taskEnv({
        task,
        prompt: task.prompt ?? task.run ?? task.title,
        promptFile: '',
        worktree: gate.path,
        branch: run.commit,
        attempt: run.attempt,
        runId: this.ctx.runId,
        fleetDir: this.ctx.spec.dir,
        port: gate.port,
      }),
      FLEET_GATE: '1',
      FLEET_GATE_TASKS: run.ids.join(' '),
    });
    const opts = {
      cwd: gate.path,
      env,
      logFile: run.logFile,
      deadline: Date.now() + task.timeoutMs,
      // Gate output goes to the first task's pane; the job is not the task's own process.
      jobKey: `${task.key}#gate${gate.n}`,
      onStart: (job: Job) => (gate.job = job),
    };
    const needsSetup = previous === undefined || (await changedPaths(repo, previous, run.commit)).some((p) => SETUP_INPUTS.test(p));
    if (needsSetup) {
      gate.setUp = undefined;
      await bringIgnoredFiles(repo, gate.path, task.copy, task.link);
      const setup = await runShellSteps(this.ctx, task, task.setup, opts);
      if (!setup.ok) return setup;
    }
    gate.setUp = run.commit;
    return runShellSteps(this.ctx, task, task.check, opts);
  }

  /** Removes the gate worktrees; called when the run ends. */
  async close(): Promise<void> {
    await Promise.all(this.gates.map((g) => removeWorktree(this.project.path, g.path).catch(() => undefined)));
  }
}
