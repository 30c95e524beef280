import { activeRunCap, reached, runSpend, taskSpend } from '../../core/budget.js';
import type { FleetEvent } from '../../core/events.js';
import type { EngineContext } from '../context.js';

/**
 * The budget circuit breaker (docs/config.md, "Budgets"), consulted by the engine before a start
 * and told of every event. At a task's cap it stops that task (its attempt then fails as
 * `budget`); at the run's cap nothing new starts and, with `on_exceed: pause`, running agents
 * are paused until `fleet budget` raises the cap.
 */
export class BudgetGate {
  private readonly overCap = new Set<string>();
  private readonly pausedByBudget = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly stop: (key: string) => Promise<void>,
  ) {}

  /** A new start (attempt, retry) needs the run's spend below its cap; checks and merges need nothing. */
  canStart(): boolean {
    return !this.ctx.store.state.budgetHeld;
  }

  /** True once for a task stopped at its own cap: its attempt fails as `budget`. */
  takeStopped(key: string): boolean {
    return this.overCap.delete(key);
  }

  onEvent(event: FleetEvent): void {
    const spent = event.type === 'agent_progress' || (event.type === 'candidate_update' && (event.tokens !== undefined || event.costUsd !== undefined));
    if (spent) this.checkTask(event.key);
    if (spent || event.type === 'budget_changed') this.checkRun();
  }

  private checkTask(key: string): void {
    const cap = this.ctx.task(key).budget;
    const record = this.ctx.store.state.tasks[key];
    if (!cap || !record || this.overCap.has(key)) return;
    const spent = taskSpend(record);
    if (!reached(spent, cap)) return;
    this.overCap.add(key);
    this.ctx.emit({ type: 'budget_exceeded', scope: 'task', key, spent, cap });
    void this.stop(key);
  }

  private checkRun(): void {
    const state = this.ctx.store.state;
    if (state.budgetHeld) return;
    const cap = activeRunCap(state);
    // Without a cap there is nothing to add up (this runs on every spend event).
    const spent = cap ? runSpend(state) : undefined;
    if (!cap || !spent || !reached(spent, cap)) {
      this.resumePaused();
      return;
    }
    this.ctx.emit({ type: 'budget_exceeded', scope: 'run', spent, cap });
    if (this.ctx.spec.budget?.onExceed !== 'pause') return;
    for (const [key, job] of this.ctx.jobs) {
      // Gate runs are registered under their own keys and spend nothing: only tasks' agents pause.
      const record = this.ctx.store.state.tasks[key];
      if (!record || record.paused) continue;
      job.pause();
      this.pausedByBudget.add(key);
      this.ctx.emit({ type: 'task_paused', key });
    }
  }

  /** A raised cap lets the agents the breaker paused go on (not those the user paused). */
  private resumePaused(): void {
    for (const key of this.pausedByBudget) {
      this.ctx.jobs.get(key)?.resume();
      if (this.ctx.store.state.tasks[key]?.paused) this.ctx.emit({ type: 'task_resumed', key });
    }
    this.pausedByBudget.clear();
  }
}
