import type PQueue from 'p-queue';
import type { RateLimitSignal } from '../../agents/progress.js';
import { backoffDelay, grow, nextGrowth, onRateLimit, resetDelay, throttle, type Throttle } from '../../core/rate-limit.js';
import type { EngineContext } from '../context.js';

/**
 * Applies the rate-limit policy of core/rate-limit.ts to a live run: counts each task's rate
 * limits in a row, waits out its backoff (off its slot), and sets the slot queue's concurrency
 * to what rate limits leave of it, growing it back as clean minutes pass.
 */
export class RateGate {
  private state: Throttle;
  private readonly tries = new Map<string, number>();
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private growTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly slots: PQueue,
    private readonly random: () => number = Math.random,
  ) {
    this.state = throttle(slots.concurrency, Date.now());
  }

  /** After an attempt the provider refused: `again` runs after the backoff; false when the task is held instead. */
  limited(key: string, attempt: number, signal: RateLimitSignal, again: () => void): boolean {
    const now = Date.now();
    const tries = (this.tries.get(key) ?? 0) + 1;
    this.tries.set(key, tries);
    this.setThrottle(onRateLimit(this.state, now));
    const delay = backoffDelay(tries, resetDelay(signal, now), this.random());
    this.ctx.emit({ type: 'rate_limited', key, attempt, tries, retryInMs: delay ?? null, concurrency: this.state.effective });
    if (delay === undefined) {
      this.tries.delete(key);
      return false;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      again();
    }, delay);
    this.waiting.set(key, timer);
    return true;
  }

  /** The task's agent got past the provider: its next rate limit starts the backoff over. */
  passed(key: string): void {
    this.tries.delete(key);
  }

  /** Stops every wait and the growth timer; returns the tasks that were waiting. */
  close(): string[] {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    if (this.growTimer) clearTimeout(this.growTimer);
    const keys = [...this.waiting.keys()];
    this.waiting.clear();
    return keys;
  }

  private setThrottle(next: Throttle): void {
    this.state = next;
    this.slots.concurrency = next.effective;
    if (this.growTimer) clearTimeout(this.growTimer);
    const at = nextGrowth(next);
    this.growTimer = at === undefined ? undefined : setTimeout(() => this.grown(), Math.max(0, at - Date.now()));
    this.growTimer?.unref();
  }

  private grown(): void {
    const before = this.state.effective;
    this.setThrottle(grow(this.state, Date.now()));
    if (this.state.effective !== before) this.ctx.emit({ type: 'concurrency_changed', concurrency: this.state.effective });
  }
}
