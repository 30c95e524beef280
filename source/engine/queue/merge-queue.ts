// One merge queue per repository (docs/merge-queue.md). Queued tasks are stacked into batches on
// the base tip, each batch's tip is gated once, and a passing batch lands with one CAS of base.
// While a batch gates, the next one is stacked on its tip and gated beside it (speculation); a
// failing batch is bisected (engine/queue/bisection.ts) and the tasks behind it are rebuilt.
// Base only ever moves to a tree that passed the check: a gate run, or — for a batch of one whose
// base has not moved since — the task's own check.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectSpec, TaskSpec } from '../../core/fleet.js';
import type { TaskRecord } from '../../core/state.js';
import { fleetRef, type EngineContext } from '../context.js';
import { advanceBase } from '../../git/base.js';
import { mergeTree } from '../../git/merge.js';
import { readRef, setRefs } from '../../git/refs.js';
import { revParse } from '../../git/repo.js';
import { alreadyLanded, cleanupMerged, predictConflicts } from './after-merge.js';
import { conflictToReview } from './conflict-review.js';
import { buildStack, holdUntil, sameGate, tipOf, type Member } from './batch.js';
import { GatePool, type Gate } from './gate-pool.js';
import { attemptLogDir } from '../host/paths.js';
import { bisectBatch } from './bisection.js';
import type { StepResult } from '../steps.js';

const RETRY_WAITING_MS = 10_000;
const WAKE = Symbol('wake');

export interface Batch {
  id: number;
  base: string;
  /** The commit it is stacked on: base's tip, or the tip of the batch ahead of it. */
  onto: string;
  members: Member[];
  tip: string;
}

type Outcome = { kind: 'passed' } | { kind: 'failed'; result: StepResult } | { kind: 'interrupted' };

interface InFlight {
  batch: Batch;
  outcome: Promise<Outcome>;
  gate?: Gate;
  /** Dropped before it got a gate: it must not start one. */
  dropped?: boolean;
}

export class MergeQueue {
  readonly pool: GatePool;
  private running = false;
  private again = false;
  private wake: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private train: InFlight[] = [];
  /** Held by a bisection running beside the queue. */
  readonly bisecting = new Set<string>();
  private readonly waitingUntil = new Map<string, number>();
  /** Conflicted only with tasks batched with it: waits until base moves or the queue empties. */
  private readonly deferredOn = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();
  private stopped = false;
  /** Consecutive rebuilds after vanished objects; a few are expected, an endless loop is not. */
  private rebuilds = 0;

  constructor(
    readonly ctx: EngineContext,
    readonly project: ProjectSpec,
    private readonly onIdle: () => void,
    readonly nextBatchId: () => number,
  ) {
    this.pool = new GatePool(ctx, project);
  }

  get busy(): boolean {
    return this.running || this.background.size > 0;
  }

  /** Resolves once the batches in flight, bisections and cleanups are done. */
  async idle(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
  }

  /** Looks for work; cheap to call after any event. */
  kick(): void {
    if (this.running) {
      this.again = true;
      this.wake?.();
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      this.onIdle();
    });
  }

  /** The run is stopping: no new batch starts; what is in flight is interrupted and resumed later. */
  stop(): void {
    this.stopped = true;
  }

  /** Removes the gate worktrees; called when the run ends. */
  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    await this.pool.close();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      await this.guard(this.train.length === 0 ? this.eligible().map((t) => t.key) : [], () => this.fill());
      const head = this.train[0];
      if (!head) {
        if (this.again) continue;
        break;
      }
      const outcome = await Promise.race([head.outcome, this.wakeup()]);
      this.wake = undefined;
      if (outcome === WAKE) continue;
      this.train.shift();
      await this.guard(head.batch.members.map((m) => m.task.key), () => this.settle(head, outcome));
    }
    this.scheduleRetry();
  }

  private wakeup(): Promise<typeof WAKE> {
    if (this.again) return Promise.resolve(WAKE);
    return new Promise((resolve) => (this.wake = () => resolve(WAKE)));
  }

  /**
   * An agent running `git gc --prune=now` can delete merge-tree's not-yet-anchored objects under
   * us: the next pass rebuilds at once. Anything else puts the tasks on a 10 s wait.
   */
  private async guard(keys: string[], work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.rebuilds = 0;
    } catch (error) {
      const message = (error as Error).message;
      const transient = /not a valid object|nonexistent object|bad object|unable to read tree/.test(message) && ++this.rebuilds <= 3;
      await this.dropTrain('the queue is rebuilding after a git error');
      for (const key of keys) {
        const record = this.ctx.store.state.tasks[key];
        if (!record || (record.state !== 'queued' && record.state !== 'merging')) continue;
        if (transient) {
          this.ctx.emit({ type: 'merge_deferred', key, reason: `rebuilding: ${message}` });
          continue;
        }
        if (record.waitReason !== `merge failed: ${message}`) this.ctx.emit({ type: 'merge_waiting', key, reason: `merge failed: ${message}` });
        this.waitingUntil.set(key, Date.now() + RETRY_WAITING_MS);
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

  /** Queued tasks of this repository that may join a batch now, in queue order. */
  private eligible(): TaskRecord[] {
    const now = Date.now();
    const state = this.ctx.store.state;
    const inFlight = new Set(this.train.flatMap((f) => f.batch.members.map((m) => m.task.key)));
    return state.order
      .map((k) => state.tasks[k]!)
      .filter((t) => t.state === 'queued' && !t.paused && this.ctx.task(t.key).project === this.project.name)
      .filter((t) => !inFlight.has(t.key) && !this.bisecting.has(t.key) && (this.waitingUntil.get(t.key) ?? 0) <= now)
      .filter((t) => !this.deferredOn.has(t.key))
      .sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0));
  }

  /** Builds batches and starts their gates while there is work and, for speculation, a free gate. */
  private async fill(): Promise<void> {
    if (this.train.length === 0 && this.bisecting.size === 0) this.deferredOn.clear();
    for (;;) {
      if (this.stopped) return;
      const ahead = this.train.at(-1);
      if (ahead && this.pool.available === 0) return;
      let candidates = this.eligible();
      if (ahead) candidates = candidates.filter((t) => sameGate(this.ctx.task(t.key), ahead.batch.members[0]!.task));
      const first = candidates[0];
      if (!first) return;
      const head = this.ctx.task(first.key);
      const group = candidates.filter((t) => sameGate(this.ctx.task(t.key), head)).slice(0, this.project.queue.batch);
      const baseTip = await revParse(this.project.path, `refs/heads/${head.base}`);
      if (!baseTip) throw new Error(`base branch ${head.base} no longer exists; the queue goes on once a branch of that name is back`);
      if (!ahead && (await this.holdFor(head, group, baseTip))) return;
      const batch = await this.build(group, ahead?.batch.tip ?? baseTip, baseTip, head.base);
      if (!batch) continue;
      const gate = await this.needsGate(batch, baseTip, ahead !== undefined);
      this.ctx.emit({
        type: 'batch_started',
        project: this.project.name,
        batch: batch.id,
        base: batch.base,
        onto: batch.onto,
        tip: batch.tip,
        keys: batch.members.map((m) => m.task.key),
        gate,
        speculative: ahead !== undefined,
      });
      for (const m of batch.members) {
        this.log(m, `batch ${batch.id}: ${m.commit} on ${batch.onto}${gate ? '' : ' (no gate needed)'}`);
        this.ctx.emit({ type: 'candidate_built', key: m.task.key, candidate: m.commit, base: batch.onto, gate });
      }
      if (!gate) {
        this.train.push({ batch, outcome: Promise.resolve({ kind: 'passed' }) });
        continue;
      }
      const flight: InFlight = { batch, outcome: Promise.resolve({ kind: 'interrupted' }) };
      flight.outcome = this.gateBatch(flight);
      this.train.push(flight);
    }
  }

  /** Waits to fill the first batch while tasks with the same gate finish their own checks (engine/queue/batch.ts#holdUntil). */
  private async holdFor(head: TaskSpec, group: TaskRecord[], baseTip: string): Promise<boolean> {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const state = this.ctx.store.state;
    const checking = state.order
      .map((k) => state.tasks[k]!)
      .filter((t) => t.state === 'checking' && !t.paused && this.ctx.task(t.key).project === this.project.name && sameGate(this.ctx.task(t.key), head));
    let until = holdUntil(head, group, checking, this.project.queue.batch);
    // A batch of one that lands without a gate never waits.
    if (until && group.length === 1 && (await this.ownCheckCovers(group[0]!, head, baseTip))) until = undefined;
    if (until === undefined || until <= Date.now()) return false;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.kick();
    }, until - Date.now());
    this.holdTimer.unref();
    return true;
  }

  /** Stacks `group` on `onto`; tasks that already landed (a resumed run) are recorded, conflicts go to review. */
  private async build(group: TaskRecord[], onto: string, baseTip: string, base: string): Promise<Batch | undefined> {
    const repo = this.project.path;
    const wanted: { task: TaskSpec; record: TaskRecord; tip: string }[] = [];
    for (const record of group) {
      const task = this.ctx.task(record.key);
      const tip = record.passedTip ?? record.tip;
      if (!tip) throw new Error(`no tested commit recorded for ${task.key}`);
      this.waitingUntil.delete(task.key);
      // Only a task interrupted mid-merge still has a candidate while queued: it may have landed.
      const landed = record.candidate ? await alreadyLanded(this.ctx, repo, task, tip, baseTip) : undefined;
      if (landed) {
        await setRefs(repo, [{ ref: fleetRef(this.ctx, 'merged', task), sha: landed }], 'fleet: merged');
        this.recordMerged(task, record, landed);
      } else wanted.push({ task, record, tip });
    }
    const stack = await buildStack(repo, onto, wanted);
    for (const c of stack.conflicts) {
      // A conflict with the tasks stacked before it is not yet a conflict with base.
      const withBase = c.onto === baseTip ? c.result : await mergeTree(repo, baseTip, c.tip);
      if (withBase.kind === 'clean') this.deferredOn.set(c.task.key, baseTip);
      else {
        this.log(c, `conflict merging ${c.tip} into ${c.task.base} (${baseTip}): ${withBase.paths.join(', ')}`);
        await conflictToReview(this.ctx, repo, c.task, c.record, c.tip, baseTip, withBase);
      }
    }
    if (stack.members.length === 0) return undefined;
    await setRefs(repo, stack.members.map((m) => ({ ref: fleetRef(this.ctx, 'candidates', m.task), sha: m.commit })), 'fleet: candidate');
    return { id: this.nextBatchId(), base, onto, members: stack.members, tip: tipOf(stack) };
  }

  /** Nothing to run (no check), or a batch of one on the very base its own check passed on. */
  private async needsGate(batch: Batch, baseTip: string, speculative: boolean): Promise<boolean> {
    const only = batch.members.length === 1 ? batch.members[0]! : undefined;
    if (batch.members[0]!.task.check.length === 0) return false;
    return !only || speculative || batch.onto !== baseTip || !(await this.ownCheckCovers(only.record, only.task, baseTip));
  }

  /** A task alone on `baseTip` needs no gate when its check passed on what build merges (passedTip) and it forked from `baseTip`. */
  private async ownCheckCovers(record: TaskRecord, task: TaskSpec, baseTip: string): Promise<boolean> {
    return record.passedTip !== undefined && (await readRef(this.project.path, fleetRef(this.ctx, 'base', task))) === baseTip;
  }

  private async gateBatch(flight: InFlight): Promise<Outcome> {
    const gate = await this.pool.acquire();
    if (flight.dropped) {
      this.pool.release(gate);
      return { kind: 'interrupted' };
    }
    flight.gate = gate;
    try {
      const result = await this.runGate(gate, flight.batch, flight.batch.tip, 'batch');
      const interrupted = result.killed && !result.ok;
      return interrupted ? { kind: 'interrupted' } : result.ok ? { kind: 'passed' } : { kind: 'failed', result };
    } finally {
      this.pool.release(gate);
    }
  }

  /** One gate run of `commit`, logged in its own file and noted in each member's merge.log. */
  async runGate(gate: Gate, batch: Batch, commit: string, label: string, members: readonly Member[] = batch.members): Promise<StepResult> {
    const head = members[0]!;
    const logFile = join(this.ctx.paths.logsDir, '_gates', this.project.name, `batch-${batch.id}-${label}-${Date.now()}.log`);
    const result = await this.pool.run(gate, { task: head.task, ids: members.map((m) => m.task.id), commit, attempt: head.record.attempt, logFile });
    for (const m of members) this.log(m, `batch ${batch.id} ${label}: gate on ${commit} ${result.ok ? 'passed' : `failed: ${result.message}`} (${logFile})`);
    return result;
  }

  private async settle(flight: InFlight, outcome: Outcome): Promise<void> {
    const { batch } = flight;
    const keys = batch.members.map((m) => m.task.key);
    if (outcome.kind === 'interrupted') return; // fleet is stopping: the next run resumes these merges
    if (outcome.kind === 'passed') {
      if (flight.gate) this.ctx.emit({ type: 'batch_result', project: this.project.name, batch: batch.id, keys, passed: true });
      if (!(await this.land(batch, batch.members, batch.onto))) await this.dropTrain(`batch ${batch.id} ahead of it could not land`);
      return;
    }
    const message = `the check failed on the merged result: ${outcome.result.message}`;
    this.ctx.emit({ type: 'batch_result', project: this.project.name, batch: batch.id, keys, passed: false, message });
    await this.dropTrain(`batch ${batch.id} ahead of it failed its gate`);
    await bisectBatch(this, batch, outcome.result, (work) => this.inBackground(work.finally(() => this.kick())));
  }

  /**
   * Moves base from `onto` to the last of `members` in one CAS and records each as merged with
   * its own commit. False when base moved or is in use: the members go back to the queue.
   */
  async land(batch: Batch, members: readonly Member[], onto: string): Promise<boolean> {
    const repo = this.project.path;
    const target = members.at(-1)!.commit;
    // Every member was stacked (commit-tree) on `onto` or on the member before it.
    const advanced = await advanceBase(repo, batch.base, target, onto, { stackedOn: true });
    if (advanced.kind === 'advanced') {
      this.deferredOn.clear();
      // One transaction records every member's commit; a crash before it is caught by alreadyLanded.
      await setRefs(repo, members.map((m) => ({ ref: fleetRef(this.ctx, 'merged', m.task), sha: m.commit })), 'fleet: merged');
      for (const m of members) {
        this.log(m, `${batch.base} advanced to ${target} (${advanced.how}); this task's commit is ${m.commit}`);
        this.recordMerged(m.task, m.record, m.commit);
      }
      return true;
    }
    for (const m of members) {
      if (advanced.kind === 'moved') {
        this.log(m, `base moved to ${advanced.current} while gating; back in the queue`);
        this.ctx.emit({ type: 'merge_deferred', key: m.task.key, reason: `${batch.base} moved while its batch was gated` });
      } else {
        this.log(m, `waiting: ${advanced.reason}`);
        this.ctx.emit({ type: 'merge_waiting', key: m.task.key, reason: advanced.reason });
        this.waitingUntil.set(m.task.key, Date.now() + RETRY_WAITING_MS);
      }
    }
    return false;
  }

  /** Stops the speculative batches (they were stacked on something that will not land) and requeues their tasks. */
  private async dropTrain(reason: string): Promise<void> {
    const dropped = this.train;
    this.train = [];
    for (const f of dropped) {
      f.dropped = true;
      if (f.gate) await this.pool.cancel(f.gate);
    }
    await Promise.all(dropped.map((f) => f.outcome));
    for (const f of dropped) for (const m of f.batch.members) this.ctx.emit({ type: 'merge_deferred', key: m.task.key, reason });
  }

  /** The merged ref is written by the caller (one transaction for a whole batch). */
  private recordMerged(task: TaskSpec, record: TaskRecord, commit: string): void {
    const ctx = this.ctx;
    ctx.emit({ type: 'task_merged', key: task.key, commit, base: task.base });
    // Dependents start on task_merged; removing a worktree is file deletion (seconds on a big
    // checkout) and the prediction is advisory, so neither holds up the next merge.
    this.inBackground(this.cleanup(task, record));
    this.inBackground(predictConflicts(ctx, this.project, task.base).catch(() => undefined));
  }

  inBackground(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => {
      this.background.delete(work);
      this.onIdle();
    });
  }

  /** Worktree, branch and the task's candidate and base refs go once merged (engine/queue/after-merge.ts). */
  cleanup(task: TaskSpec, record: TaskRecord): Promise<void> {
    return cleanupMerged(this.ctx, this.project, task, record);
  }

  log(member: { task: TaskSpec; record: TaskRecord }, line: string): void {
    const file = join(attemptLogDir(this.ctx.paths, member.task, this.ctx.spec.multiProject, member.record.attempt), 'merge.log');
    mkdirSync(join(file, '..'), { recursive: true });
    appendFileSync(file, `${line}\n`);
  }

}
