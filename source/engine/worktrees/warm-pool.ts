import type { TaskSpec } from '../../core/fleet.js';
import { newStartsHeld } from '../../core/selectors.js';
import type { EngineContext } from '../context.js';
import { logInternalError } from '../internal-error.js';
import { makeWarm, releaseWarm, WorktreeProblem } from './task-worktree.js';

interface Warm {
  task: TaskSpec;
  /** The commit it was made on; undefined when it could not be made or was taken before its turn. */
  made: Promise<string | undefined>;
  taken: boolean;
}

/**
 * Warm worktrees (docs/design.md#warm-worktrees): while every slot is busy, the ready tasks that
 * start next get their worktrees, one at a time, so a freed slot goes straight to setup and the
 * agent. They count against no slot; at most as many wait as there are slots. One that no attempt
 * takes is released (archived first if anyone wrote in it).
 */
export class WarmPool {
  private readonly warm = new Map<string, Warm>();
  /** Released on purpose (cancel, discard): never warmed again, even before the action is recorded. */
  private readonly refused = new Set<string>();
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly ctx: EngineContext) {}

  /** Whether `offer` could warm one more (pump asks on every event; most of the time it cannot). */
  hasRoom(room: number): boolean {
    return !this.closed && this.warm.size < room;
  }

  /** `next`: the tasks waiting for a slot, in the order they will start. */
  offer(next: TaskSpec[], room: number): void {
    if (this.closed) return;
    for (const task of next) {
      if (this.warm.size >= room) return;
      if (this.warm.has(task.key) || !this.eligible(task)) continue;
      const entry: Warm = { task, taken: false, made: Promise.resolve(undefined) };
      entry.made = this.next(() => (entry.taken || this.closed ? undefined : makeWarm(this.ctx, task)), task);
      this.warm.set(task.key, entry);
    }
  }

  /** For a starting attempt: the commit its warm worktree was made on, or undefined (then it makes one). */
  take(key: string): Promise<string | undefined> {
    const entry = this.warm.get(key);
    if (!entry) return Promise.resolve(undefined);
    this.warm.delete(key);
    entry.taken = true;
    return entry.made;
  }

  /**
   * The task will not start from its warm worktree (cancelled, discarded): remove it. From now on
   * the task gets no automatic start (`refuses`), so it cannot start cold while this waits its
   * turn; and an attempt that started meanwhile (a forced one) owns the worktree, so it is only
   * removed if still no attempt started when its turn comes.
   */
  async release(key: string): Promise<void> {
    this.refused.add(key);
    const entry = this.warm.get(key);
    if (entry) {
      this.warm.delete(key);
      entry.taken = true;
      await entry.made;
    }
    const task = entry?.task ?? this.ctx.task(key);
    const unclaimed = () => {
      const record = this.ctx.store.state.tasks[key];
      return record?.warm !== undefined && record.attempt === 0;
    };
    if (unclaimed()) await this.next(() => (unclaimed() ? releaseWarm(this.ctx, task) : undefined), task);
  }

  /** Released on purpose: an automatic start of the task must not happen (engine.ts#runTask). */
  refuses(key: string): boolean {
    return this.refused.has(key);
  }

  /** The run ends: nothing more is warmed, and what waits for a slot is released. */
  async close(): Promise<void> {
    this.closed = true;
    const keys = new Set([...this.warm.keys()]);
    for (const [key, record] of Object.entries(this.ctx.store.state.tasks)) if (record.warm && record.state === 'pending') keys.add(key);
    for (const key of keys) await this.release(key);
  }

  /**
   * A plain task that never ran (a resumed or retried one has worktrees of its own to find), in a
   * run that is starting tasks (not held by `fleet pause` of new starts, or at its budget cap).
   */
  private eligible(task: TaskSpec): boolean {
    const state = this.ctx.store.state;
    const record = state.tasks[task.key];
    if (task.candidates || this.refused.has(task.key) || newStartsHeld(state)) return false;
    return record?.state === 'pending' && record.attempt === 0 && !record.paused && !record.warm;
  }

  /** One warm-up or release at a time: beside busy agents, one more git process is plenty. */
  private next<T>(work: () => Promise<T> | T, task: TaskSpec): Promise<T | undefined> {
    const done = this.turn.then(work).catch((error: unknown) => {
      // A problem the task's attempt will meet again and report; anything else is fleet's own.
      if (!(error instanceof WorktreeProblem)) logInternalError(this.ctx, `the warm worktree of ${task.key}`, error);
      return undefined;
    });
    this.turn = done;
    return done;
  }
}
