import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { taskEnv } from '../agents/command.js';
import type { ProjectSpec, TaskSpec } from '../core/fleet.js';
import type { TaskRecord } from '../core/state.js';
import { archiveRef, branchName, fleetRef, worktreePath, type EngineContext } from './context.js';
import { advanceBase } from '../git/base.js';
import { cleanEnv } from '../git/exec.js';
import { commitTree, mergeTree } from '../git/merge.js';
import { createRef, deleteRef, readRef, setRef } from '../git/refs.js';
import { changedPaths, isAncestor, revParse } from '../git/repo.js';
import { removeTaskWorktree } from '../git/archive.js';
import { prepareGateWorktree, removeWorktree } from '../git/worktree.js';
import { bringIgnoredFiles } from '../git/worktree-files.js';
import { attemptLogDir } from './paths.js';
import { runShellSteps } from './steps.js';

const RETRY_WAITING_MS = 10_000;
/** Files whose change means the gate's installed dependencies are stale. */
const SETUP_INPUTS = /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|go\.sum|poetry\.lock|uv\.lock|requirements[^/]*\.txt|Gemfile\.lock)$/;

/**
 * One serial queue per repository (SPEC §5): candidate = merge-tree of base tip and task tip,
 * committed with commit-tree, checked in the gate worktree, then base advanced by CAS or
 * fast-forward. The base only ever moves to a tree that passed the check.
 */
export class MergeQueue {
  private running = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly waitingUntil = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();
  private gateCommit: string | undefined;
  private readonly gatePath: string;

  constructor(
    private readonly ctx: EngineContext,
    private readonly project: ProjectSpec,
    private readonly onIdle: () => void,
  ) {
    this.gatePath = join(project.worktreeDir, `_gate-${ctx.runId}`);
  }

  get busy(): boolean {
    return this.running || this.background.size > 0;
  }

  /** Resolves once the item being merged (if any) and its cleanup are done. */
  async idle(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
  }

  /** Looks for work; cheap to call after any event. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      this.onIdle();
    });
  }

  /** Removes the gate worktree; called when the run ends. */
  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await removeWorktree(this.project.path, this.gatePath).catch(() => undefined);
  }

  private next(): TaskRecord | undefined {
    const now = Date.now();
    const state = this.ctx.store.state;
    return state.order
      .map((k) => state.tasks[k]!)
      .filter((t) => t.state === 'queued' && this.ctx.task(t.key).project === this.project.name && !t.paused)
      .filter((t) => (this.waitingUntil.get(t.key) ?? 0) <= now)
      .sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0))[0];
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (let item = this.next(); item; item = this.next()) {
        await this.integrateOnce(item);
      }
    } while (this.again);
    this.scheduleRetry();
  }

  /**
   * An agent running `git gc --prune=now` can delete merge-tree's not-yet-anchored objects under
   * us: rebuild the candidate at once (a few times) rather than wait. Anything else waits 10 s.
   */
  private async integrateOnce(item: TaskRecord): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.integrate(this.ctx.task(item.key), this.ctx.store.state.tasks[item.key] ?? item);
      } catch (error) {
        const message = (error as Error).message;
        if (tries < 3 && /not a valid object|nonexistent object|bad object|unable to read tree/.test(message)) continue;
        this.ctx.emit({ type: 'merge_waiting', key: item.key, reason: `merge failed: ${message}` });
        this.waitingUntil.set(item.key, Date.now() + RETRY_WAITING_MS);
        return;
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.waitingUntil.size === 0) return;
    const soonest = Math.min(...this.waitingUntil.values());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, Math.max(0, soonest - Date.now()));
    this.retryTimer.unref();
  }

  private async integrate(task: TaskSpec, record: TaskRecord): Promise<void> {
    const ctx = this.ctx;
    const repo = this.project.path;
    const tip = record.passedTip ?? record.tip;
    if (!tip) throw new Error('no tested commit recorded');
    this.waitingUntil.delete(task.key);
    // A retry of a waiting merge stays quiet unless something changes: no new lines every 10 s.
    const retrying = record.waitReason !== undefined;
    const logFile = join(attemptLogDir(ctx.paths, task, ctx.spec.multiProject, record.attempt), 'merge.log');
    mkdirSync(join(logFile, '..'), { recursive: true });
    const log = (line: string) => appendFileSync(logFile, `${line}\n`);
    if (!retrying) ctx.emit({ type: 'merge_started', key: task.key, base: task.base });

    // The base can move under us (the user commits, another queue item lands): every pass
    // rebuilds the candidate on the current tip, and only a CAS from that tip may land it.
    for (;;) {
      const old = await revParse(repo, `refs/heads/${task.base}`);
      if (!old) throw new Error(`base branch ${task.base} no longer exists`);
      const landed = await this.alreadyLanded(task, tip, old);
      if (landed) return this.recordMerged(task, record, landed);

      const merged = await mergeTree(repo, old, tip);
      if (merged.kind === 'conflict') {
        log(`conflict merging ${tip} into ${task.base} (${old}): ${merged.paths.join(', ')}`);
        const anchor = await commitTree(repo, merged.tree, [old, tip], `fleet: conflict of ${task.key} with ${task.base}`);
        await setRef(repo, fleetRef(ctx, 'review', task), anchor, 'fleet: conflict tree');
        ctx.emit({
          type: 'review',
          key: task.key,
          reason: 'conflict',
          message: `conflicts with ${task.base} in ${merged.paths.length} file(s)`,
          paths: merged.paths,
          tail: merged.messages.map((m) => m.text.trim()).join('\n'),
        });
        if (task.onConflict === 'agent') ctx.autoResolve(task.key, record.attempt);
        return;
      }
      const candidate = await commitTree(repo, merged.tree, task.merge === 'merge' ? [old, tip] : [old], commitMessage(task));
      await setRef(repo, fleetRef(ctx, 'candidates', task), candidate, 'fleet: candidate');
      const testedBase = await readRef(repo, fleetRef(ctx, 'base', task));
      // Nothing to run (no check) or nothing new to test (base unchanged since the check passed).
      const gate = task.check.length > 0 && !(testedBase === old && tip === record.passedTip);
      ctx.emit({ type: 'candidate_built', key: task.key, candidate, base: old, gate });
      if (gate) {
        log(`gate: checking candidate ${candidate} (base ${old} + ${tip})`);
        const passed = await this.gateCheck(task, record, candidate, logFile);
        if (!passed.ok && ctx.stopping.has(task.key)) return; // fleet is shutting down: not the task's fault
        if (!passed.ok) {
          ctx.emit({
            type: 'review',
            key: task.key,
            reason: 'gate_failed',
            message: `the check failed on the merged result: ${passed.message}`,
            paths: [],
            tail: passed.tail,
          });
          return;
        }
      }
      const advanced = await advanceBase(repo, task.base, candidate, old);
      if (advanced.kind === 'moved') {
        log(`base moved to ${advanced.current} while merging; rebuilding the candidate`);
        continue;
      }
      if (advanced.kind === 'waiting') {
        log(`waiting: ${advanced.reason}`);
        if (advanced.reason !== record.waitReason) ctx.emit({ type: 'merge_waiting', key: task.key, reason: advanced.reason });
        this.waitingUntil.set(task.key, Date.now() + RETRY_WAITING_MS);
        return;
      }
      log(`${task.base} advanced to ${candidate} (${advanced.how})`);
      return this.recordMerged(task, record, candidate);
    }
  }

  /** A resumed run may find its candidate (or, for merge commits, the tip itself) already in base. */
  private async alreadyLanded(task: TaskSpec, tip: string, base: string): Promise<string | undefined> {
    const repo = this.project.path;
    const recorded = await readRef(repo, fleetRef(this.ctx, 'merged', task));
    if (recorded && (await isAncestor(repo, recorded, base))) return recorded;
    const candidate = await readRef(repo, fleetRef(this.ctx, 'candidates', task));
    if (candidate && (await isAncestor(repo, candidate, base))) return candidate;
    if (task.merge === 'merge' && (await isAncestor(repo, tip, base))) return base;
    return undefined;
  }

  private async recordMerged(task: TaskSpec, record: TaskRecord, commit: string): Promise<void> {
    const ctx = this.ctx;
    const repo = this.project.path;
    const mergedRef = fleetRef(ctx, 'merged', task);
    if ((await readRef(repo, mergedRef)) === undefined) await createRef(repo, mergedRef, commit, 'fleet: merged');
    await deleteRef(repo, fleetRef(ctx, 'candidates', task));
    ctx.emit({ type: 'task_merged', key: task.key, commit, base: task.base });
    // Removing a worktree is file deletion (seconds on a big checkout) and the prediction is
    // advisory: neither holds up the next merge. `busy` covers them so the run waits for both.
    this.inBackground(this.cleanup(task, record));
    this.inBackground(this.predictConflicts(task.base).catch(() => undefined));
  }

  private inBackground(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => {
      this.background.delete(work);
      this.onIdle();
    });
  }

  /** Worktree and branch go once merged; anything unexpected in them is archived first. */
  async cleanup(task: TaskSpec, record: TaskRecord): Promise<void> {
    try {
      await removeTaskWorktree(this.project.path, {
        worktree: record.worktree ?? worktreePath(this.ctx, task),
        branch: branchName(task),
        archiveRef: archiveRef(this.ctx, task, record.attempt),
        message: `fleet: leftovers of ${task.key} after merge`,
      });
      // The base ref only serves the gate decision and crash recovery of an unmerged task.
      await deleteRef(this.project.path, fleetRef(this.ctx, 'base', task));
      this.ctx.emit({ type: 'cleanup_done', key: task.key });
    } catch (error) {
      this.ctx.emit({ type: 'cleanup_failed', key: task.key, message: (error as Error).message });
    }
  }

  private async gateCheck(task: TaskSpec, record: TaskRecord, candidate: string, logFile: string) {
    const repo = this.project.path;
    const previous = this.gateCommit;
    await prepareGateWorktree(repo, this.gatePath, candidate);
    this.gateCommit = candidate;
    const env = cleanEnv(process.env, {
      ...taskEnv({
        task,
        prompt: task.prompt ?? task.run ?? task.title,
        promptFile: '',
        worktree: this.gatePath,
        branch: candidate,
        attempt: record.attempt,
        runId: this.ctx.runId,
        fleetDir: this.ctx.spec.dir,
        port: this.ctx.spec.portBase + this.ctx.spec.concurrency,
      }),
      FLEET_GATE: '1',
    });
    const opts = { cwd: this.gatePath, env, logFile, deadline: Date.now() + task.timeoutMs };
    const needsSetup = previous === undefined || (await changedPaths(repo, previous, candidate)).some((p) => SETUP_INPUTS.test(p));
    if (needsSetup) {
      await bringIgnoredFiles(repo, this.gatePath, task.copy, task.link);
      const setup = await runShellSteps(this.ctx, task, task.setup, opts);
      if (!setup.ok) {
        this.gateCommit = undefined;
        return setup;
      }
    }
    return runShellSteps(this.ctx, task, task.check, opts);
  }

  /** Early warning: whenever base moves, merge-tree every queued branch against it. */
  private async predictConflicts(base: string): Promise<void> {
    const ctx = this.ctx;
    const repo = this.project.path;
    const head = await revParse(repo, `refs/heads/${base}`);
    if (!head) return;
    for (const key of ctx.store.state.order) {
      const t = ctx.store.state.tasks[key]!;
      const spec = ctx.task(key);
      if (t.state !== 'queued' || spec.project !== this.project.name || spec.base !== base || !t.tip) continue;
      const result = await mergeTree(repo, head, t.tip).catch(() => undefined);
      if (!result) continue;
      const paths = result.kind === 'conflict' ? result.paths : [];
      if (paths.join('\0') !== (t.predictedConflicts ?? []).join('\0')) ctx.emit({ type: 'conflict_predicted', key, paths });
    }
  }
}

function commitMessage(task: TaskSpec): string {
  const subject = task.merge === 'merge' ? `Merge fleet task ${task.id}: ${task.title}` : task.title;
  return `${subject}\n\nFleet-Task: ${task.id}\n`;
}
