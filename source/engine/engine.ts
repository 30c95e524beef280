import PQueue from 'p-queue';
import type { FleetEvent } from '../core/events.js';
import { spendText, taskSpend } from '../core/budget.js';
import { schedulingPriority } from '../core/dag.js';
import type { FleetSpec, TaskSpec } from '../core/fleet.js';
import { isSettled, readyTasks } from '../core/selectors.js';
import { archiveAndRemove } from '../git/archive.js';
import { localRunner } from '../agents/runner.js';
import type { RateLimitSignal } from '../agents/progress.js';
import { runAttempt, type Revision, type StartAt } from './attempt.js';
import { asWinner, Candidates } from './fan-out/candidates.js';
import { archiveRef, branchName, worktreePath, type EngineContext, type EventInput } from './context.js';
import { MergeQueue } from './queue/merge-queue.js';
import { OutputBook } from './output.js';
import { BudgetGate } from './fan-out/budget-gate.js';
import { RateGate } from './fan-out/rate-gate.js';
import type { RunPaths } from './host/paths.js';
import type { Store } from './store.js';
import { WarmPool } from './worktrees/warm-pool.js';

export type Feedback = { attempt: number; summary: string; detail: string };

/** How a scheduled start came about: a user's retry or requeue, or a resumed attempt. */
export interface StartOrder {
  startAt: StartAt;
  /** Set for a user's retry/requeue and resumed attempts: start whatever the task's state. */
  forced?: boolean;
  failure?: Feedback;
  adopt?: { pid: number; startTime: string };
  /** With startAt `revise`: the user's comments for the agent. */
  revision?: Revision;
}

export interface EngineOptions {
  spec: FleetSpec;
  store: Store;
  paths: RunPaths;
  runId: string;
}

/**
 * Schedules attempts into `concurrency` slots (p-queue), feeds finished tasks to one merge queue
 * per repository, and applies the user's actions. Everything it learns goes through the store.
 */
export class Engine {
  readonly ctx: EngineContext;
  private readonly slots: PQueue;
  private readonly freeSlots: number[];
  private readonly scheduled = new Set<string>();
  /** Automatic fresh starts waiting for a slot, by priority: whose worktrees to warm. */
  private readonly waiting = new Map<string, number>();
  private readonly warm: WarmPool;
  private readonly autoResolved = new Set<string>();
  private readonly repairs = new Map<string, number>();
  private batches = 0;
  private readonly queues = new Map<string, MergeQueue>();
  private readonly busyActions = new Set<Promise<unknown>>();
  private settledWaiters: (() => void)[] = [];
  private closing = false;
  /** Events before start() (task sync, resume bookkeeping) must not schedule anything yet. */
  private started = false;
  private priority: Map<string, number> | undefined;
  readonly candidates: Candidates;
  private readonly rates: RateGate;
  private readonly budget: BudgetGate;

  constructor(private readonly options: EngineOptions) {
    const { spec, store, paths, runId } = options;
    const tasks = new Map(spec.tasks.map((t) => [t.key, t]));
    const projects = new Map(spec.projects.map((p) => [p.name, p]));
    this.ctx = {
      spec,
      runId,
      paths,
      store,
      output: new OutputBook((key, line) => this.emit({ type: 'progress', key, line })),
      jobs: new Map(),
      runner: localRunner,
      stopping: new Set(),
      emit: (event) => this.emit(event),
      // Both start an agent: at the run's budget cap the task stays in review for the user.
      autoResolve: (key, attempt) => {
        if (this.autoResolved.has(`${key}#${attempt}`) || !this.budget.canStart()) return;
        this.autoResolved.add(`${key}#${attempt}`);
        this.schedule(key, { startAt: 'resolve', forced: true });
      },
      autoRepair: (key) => {
        const used = this.repairs.get(key) ?? 0;
        if (used >= tasks.get(key)!.retries || !this.budget.canStart()) return;
        this.repairs.set(key, used + 1);
        this.schedule(key, { startAt: 'repair', forced: true });
      },
      task: (key) => {
        const t = tasks.get(key);
        if (!t) throw new Error(`unknown task ${key}`);
        // Best-of-N: once picked, the task is its winner (worktree, branch, archive ref, logs).
        const record = store.state.tasks[key];
        return record ? asWinner(t, record) : t;
      },
      project: (task) => projects.get(task.project)!,
    };
    this.slots = new PQueue({ concurrency: spec.concurrency });
    // p-queue counts a job as pending until its promise settles, after our finally block ran.
    this.slots.on('next', () => this.checkSettled());
    this.freeSlots = Array.from({ length: spec.concurrency }, (_, i) => i);
    this.rates = new RateGate(this.ctx, this.slots);
    this.budget = new BudgetGate(this.ctx, (key) => this.stopTask(key));
    for (const p of spec.projects) this.queues.set(p.name, new MergeQueue(this.ctx, p, () => this.checkSettled(), () => ++this.batches));
    store.subscribe((_state, event) => this.onEvent(event));
    this.candidates = new Candidates(this);
    this.warm = new WarmPool(this.ctx);
  }

  emit(event: EventInput): void {
    this.options.store.dispatch({ ...event, at: Date.now() } as FleetEvent);
  }

  /** Picks up where a previous process left each task, then starts whatever is ready. */
  start(resumeFrom: Map<string, StartOrder> = new Map()): void {
    this.started = true;
    for (const [key, order] of resumeFrom) this.schedule(key, order);
    for (const q of this.queues.values()) q.kick();
    this.pump();
  }

  /** Resolves once nothing can progress without a human (or the engine is shutting down). */
  whenSettled(): Promise<void> {
    return new Promise((resolve) => {
      this.settledWaiters.push(resolve);
      this.checkSettled();
    });
  }

  get idle(): boolean {
    return (
      this.slots.size === 0 &&
      this.slots.pending === 0 &&
      this.busyActions.size === 0 &&
      [...this.queues.values()].every((q) => !q.busy) &&
      isSettled(this.options.store.state)
    );
  }

  /** Stops every running process and marks its task interrupted; a later `fleet run` resumes them. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.slots.clear();
    for (const q of this.queues.values()) q.stop();
    // A task waiting out a rate limit has no process, but resumes like an interrupted one.
    for (const key of this.rates.close()) this.emit({ type: 'task_interrupted', key });
    const running = [...this.ctx.jobs.entries()];
    for (const [key] of running) this.ctx.stopping.add(key);
    await Promise.all(running.map(([, job]) => job.kill()));
    // Gate runs are registered under their own keys: only tasks' own processes interrupt a task.
    for (const [key] of running) if (this.options.store.state.tasks[key]) this.emit({ type: 'task_interrupted', key });
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
    await this.closeWorktrees();
    this.ctx.output.close();
  }

  /** Removes the gate worktrees, and the warm ones no attempt took, once the run ends. */
  async closeWorktrees(): Promise<void> {
    await Promise.all([...[...this.queues.values()].map((q) => q.close()), this.warm.close()]);
  }

  /** A pending task will not start from its warm worktree (cancelled, discarded). */
  releaseWarm(key: string): Promise<void> {
    return this.warm.release(key);
  }

  queueFor(task: TaskSpec): MergeQueue {
    return this.queues.get(task.project)!;
  }

  /** Tracks an action's async work so `idle` waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.busyActions.add(work);
    const done = () => {
      this.busyActions.delete(work);
      this.pump();
      this.checkSettled();
    };
    work.then(done, done);
    return work;
  }

  private onEvent(event: FleetEvent): void {
    if (event.type === 'progress' || this.closing || !this.started) return;
    this.budget.onEvent(event);
    this.pump();
    if (event.type === 'check_passed' || event.type === 'task_requeued' || event.type === 'task_resumed' || event.type === 'task_approved') {
      const task = this.ctx.task(event.key);
      this.queueFor(task).kick();
    }
    this.checkSettled();
  }

  /** Starts every ready task that is not scheduled yet; p-queue holds them, longest remaining path first, until a slot frees. */
  pump(): void {
    if (this.closing || !this.started) return;
    const priority = (this.priority ??= schedulingPriority(this.options.spec.tasks));
    for (const record of readyTasks(this.options.store.state)) {
      if (this.warm.refuses(record.key)) continue; // being cancelled or discarded
      this.schedule(record.key, { startAt: 'fresh' }, priority.get(record.key) ?? 0);
    }
    const room = this.slots.concurrency;
    if (this.waiting.size > 0 && this.warm.hasRoom(room)) this.warm.offer(this.nextToStart(), room);
  }

  /** The automatic starts waiting for a slot, in the order p-queue will start them. */
  private nextToStart(): TaskSpec[] {
    const keys = [...this.waiting.keys()];
    return keys.sort((a, b) => this.waiting.get(b)! - this.waiting.get(a)!).map((key) => this.ctx.task(key));
  }

  /**
   * Queues a task for a slot. A forced order starts whatever the task's state; automatic starts
   * re-check that the task is still ready when a slot frees. Orders without a priority (the
   * user's actions, resumed attempts) go before automatic starts.
   */
  schedule(key: string, order: StartOrder, priority = Number.MAX_SAFE_INTEGER): boolean {
    if (this.scheduled.has(key) || this.closing) return false;
    this.scheduled.add(key);
    if (order.startAt === 'fresh' && !order.forced) this.waiting.set(key, priority);
    const done = () => {
      this.scheduled.delete(key);
      this.waiting.delete(key);
    };
    this.inSlot((slot) => this.runTask(key, order, slot), priority, done);
    return true;
  }

  /** Runs `work` once a slot is free (a task's attempt, or one candidate of a task). */
  inSlot(work: (slot: number) => Promise<void>, priority = Number.MAX_SAFE_INTEGER, after?: () => void): void {
    if (this.closing) return;
    void this.slots.add(async () => {
      const slot = this.freeSlots.shift()!;
      try {
        await work(slot);
      } finally {
        this.freeSlots.push(slot);
        this.freeSlots.sort((a, b) => a - b);
        after?.();
        this.pump();
        this.checkSettled();
      }
    }, { priority });
  }

  /** One slot's worth of work: an attempt, and the automatic fresh attempts after failures. */
  private async runTask(key: string, order: StartOrder, slot: number): Promise<void> {
    this.waiting.delete(key);
    let { startAt } = order;
    const record = this.options.store.state.tasks[key];
    if (!record) return;
    const task = this.ctx.task(key);
    const state = this.options.store.state;
    // Changed while waiting for a slot: no longer ready, held, or starts paused.
    // Or being cancelled or discarded: the action releases its warm worktree before it records itself.
    const refused = () => !order.forced && startAt === 'fresh' && this.warm.refuses(key);
    if (!order.forced && startAt === 'fresh' && (record.state !== 'pending' || record.paused || state.startsPaused || !this.budget.canStart())) return;
    if (refused()) return;
    this.ctx.stopping.delete(key);
    let attempt = startAt === 'fresh' ? record.attempt + 1 : Math.max(1, record.attempt);
    // Best-of-N: a fresh start, or a resumed one before the pick, is a round of candidates.
    if (task.candidates && (startAt === 'fresh' || !record.picked)) return this.candidates.start(task, startAt === 'fresh' ? attempt : attempt + 1);
    // A failed revision goes back to the user, who wrote it, rather than to a fresh attempt.
    let retriesLeft = order.revision ? 0 : task.retries;
    let feedback = order.failure;
    let adopt = order.adopt;
    let warmed = startAt === 'fresh' ? await this.warm.take(key) : undefined;
    if (refused()) return; // cancelled while its warm-up finished: the release removes what it took
    for (;;) {
      if (!adopt) this.ctx.output.reset(key);
      const outcome = await runAttempt(this.ctx, { task, attempt, slot, startAt, failure: feedback, adopt, revision: order.revision, warmed });
      warmed = undefined;
      adopt = undefined;
      if (outcome.kind === 'rate_limited') return this.rateLimited(task, attempt, outcome.signal);
      if (outcome.kind === 'stopped' && this.budget.takeStopped(key)) return this.failOverBudget(task, attempt);
      this.rates.passed(key);
      if (outcome.kind !== 'failed' || this.closing) return;
      // fleet's own error is no reason to spend the task's retries (or to loop on the same bug).
      // A retry is a new start: at the run's cap the attempt fails without one.
      const willRetry = outcome.phase !== 'internal' && retriesLeft > 0 && !this.ctx.stopping.has(key) && this.budget.canStart();
      this.emit({ type: 'attempt_failed', key, attempt, phase: outcome.phase, message: outcome.message, tail: outcome.tail, willRetry });
      if (!willRetry) return;
      retriesLeft--;
      await this.archiveAttempt(task, attempt);
      feedback = { attempt, summary: outcome.message, detail: outcome.tail };
      attempt++;
      startAt = 'fresh';
    }
  }

  /**
   * Not charged to the task's retries: the same attempt's agent runs again in its worktree after
   * the backoff, off its slot; a quota that stays spent holds the task for the user instead.
   */
  private rateLimited(task: TaskSpec, attempt: number, signal: RateLimitSignal): void {
    const key = task.key;
    const again = () => {
      if (this.options.store.state.tasks[key]?.state === 'running') this.schedule(key, { startAt: 'agent', forced: true });
    };
    if (this.closing || this.rates.limited(key, attempt, signal, again)) return;
    const message = 'the provider kept refusing the agent for a rate limit; retry once the quota is back';
    this.emit({ type: 'review', key, reason: 'rate_limit', message, paths: [], tail: '' });
  }

  /** A new start (attempt, candidate, revision, resolve) needs the run's spend below its cap. */
  mayStart(): boolean {
    return this.budget.canStart();
  }

  /** True once for a task the breaker stopped at its own cap. */
  stoppedAtCap(key: string): boolean {
    return this.budget.takeStopped(key);
  }

  /** At its own cap a task fails as `budget`, its work archived; the rest of the run goes on. */
  async failOverBudget(task: TaskSpec, attempt: number): Promise<void> {
    const spent = spendText(taskSpend(this.options.store.state.tasks[task.key]!), task.budget);
    await this.archiveAttempt(task, attempt);
    const message = `budget: the task spent ${spent}`;
    this.emit({ type: 'attempt_failed', key: task.key, attempt, phase: 'budget', message, tail: '', willRetry: false });
  }

  /** Archive first, then worktree, then branch: a retry never deletes what the last attempt wrote. */
  async archiveAttempt(task: TaskSpec, attempt: number): Promise<string | null> {
    if (task.candidates) return this.candidates.archive(task, this.candidates.failedNumbers(task.key));
    const record = this.options.store.state.tasks[task.key];
    const ref = await archiveAndRemove(this.ctx.project(task).path, {
      worktree: record?.worktree ?? worktreePath(this.ctx, task),
      branch: branchName(task),
      ref: archiveRef(this.ctx, task, attempt),
      message: `fleet: archive of ${task.key} attempt ${attempt}`,
    });
    if (ref) this.emit({ type: 'attempt_archived', key: task.key, attempt, ref });
    return ref;
  }

  async stopTask(key: string): Promise<void> {
    const task = this.ctx.task(key);
    this.ctx.stopping.add(key);
    await this.candidates.stopOthers(task);
    const job = this.ctx.jobs.get(key);
    if (job) await job.kill();
    else await this.ctx.runner.killTask(undefined, { runId: this.ctx.runId, project: task.project, taskId: task.id });
  }

  private checkSettled(): void {
    if (this.settledWaiters.length === 0) return;
    if (!this.closing && !this.idle) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const w of waiters) w();
  }
}
