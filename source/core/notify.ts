import { heldByBudget, needingYou } from './selectors.js';
import type { RunState, StoredState } from './state.js';

// When to call the user, said once for both ends that do it: the engine runs `notify.command`,
// and the process that owns the terminal writes BEL / OSC 9 (docs/config.md, `notify`). Each
// task that starts needing the user opens or joins a burst; a burst is announced once, 5 s after
// it opened, so three tasks failing together are one "3 tasks need you". The run's end flushes
// a pending burst first, then says the run ended. Time is passed in, so this is pure.

export type NoticeEvent = 'needs_you' | 'run_end';

export interface Notice {
  event: NoticeEvent;
  /** The tasks the notice is about, space-separated; empty for the run's end. */
  taskIds: string;
  /** Their states in the same order; for the run's end, how it stopped (finished, idle, signal). */
  state: string;
  message: string;
}

export const COALESCE_MS = 5_000;

interface Waiting {
  key: string;
  /** `held_budget`: ready, but the run is held at its budget cap. */
  state: StoredState | 'held_budget';
}

export class NoticeCoalescer {
  /** Tasks known to need the user already: they were announced, or were so when we started looking. */
  private known: Set<string>;
  private burst: { since: number; tasks: Waiting[] } | undefined;
  private ended: boolean;

  /** What `initial` shows already is not news (an attaching UI, a resumed run). */
  constructor(initial: RunState) {
    this.known = new Set(needingYou(initial));
    this.ended = initial.stopped !== undefined;
  }

  /**
   * Feeds the run as it is now. Returns the notices to send at once: those of the run's end
   * (a pending burst first), when this state is the first to show the run stopped.
   */
  observe(state: RunState, now: number): Notice[] {
    const waiting = needingYou(state);
    const current = new Set(waiting);
    for (const key of waiting) {
      if (this.known.has(key)) continue;
      this.burst ??= { since: now, tasks: [] };
      const task = state.tasks[key]!;
      this.burst.tasks.push({ key, state: heldByBudget(state, task) ? 'held_budget' : task.state });
    }
    // A task the user already dealt with is no news; if it needs them again, that is a new notice.
    if (this.burst) {
      this.burst.tasks = this.burst.tasks.filter((t) => current.has(t.key));
      if (this.burst.tasks.length === 0) this.burst = undefined;
    }
    this.known = current;
    if (!state.stopped || this.ended) return [];
    this.ended = true;
    return [...this.flush(), runEndNotice(state)];
  }

  /** When the pending burst is due; undefined when nothing is pending. */
  get dueAt(): number | undefined {
    return this.burst ? this.burst.since + COALESCE_MS : undefined;
  }

  /** The burst's notice once it is due at `now`. */
  take(now: number): Notice[] {
    const due = this.dueAt;
    return due !== undefined && now >= due ? this.flush() : [];
  }

  private flush(): Notice[] {
    const tasks = this.burst?.tasks ?? [];
    this.burst = undefined;
    return tasks.length > 0 ? [burstNotice(tasks)] : [];
  }
}

const STATE_WORDS: Partial<Record<Waiting['state'], string>> = {
  review: 'in review',
  awaiting_approval: 'awaiting approval',
  held_budget: 'held (budget), raise it with `fleet budget`',
};

function burstNotice(tasks: Waiting[]): Notice {
  const words = (t: Waiting) => STATE_WORDS[t.state] ?? t.state;
  const [only] = tasks;
  const message =
    tasks.length === 1 && only
      ? `${only.key} needs you: ${words(only)}`
      : `${tasks.length} tasks need you: ${tasks.map((t) => `${t.key} (${words(t)})`).join(', ')}`;
  return { event: 'needs_you', taskIds: tasks.map((t) => t.key).join(' '), state: tasks.map((t) => t.state).join(' '), message };
}

function runEndNotice(state: RunState): Notice {
  const merged = state.order.filter((k) => state.tasks[k]!.state === 'merged').length;
  const waiting = needingYou(state).length;
  const reason = state.stopped?.reason ?? 'finished';
  const parts = [`${merged} of ${state.order.length} merged`, ...(waiting > 0 ? [`${waiting} need you`] : [])];
  return { event: 'run_end', taskIds: '', state: reason, message: `fleet run ${state.runId} ended (${reason}): ${parts.join(', ')}` };
}

/** How a terminal is told: BEL, or BEL plus an OSC 9 desktop notification. */
export type TerminalNotify = 'bell' | 'osc' | 'off';

/** The bytes for the terminal; the message loses every control character first, so it cannot end the OSC early. */
export function terminalBytes(notice: Notice, how: TerminalNotify): string {
  if (how === 'off') return '';
  if (how === 'bell') return '\x07';
  const text = notice.message.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
  return `\x07\x1b]9;${text}\x07`;
}

/** What a driver needs of time: the clock and one timer, given by the edge (real, or simulated in tests). */
export interface NoticeClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * Runs a coalescer against a clock: `update` with every new state, `send` gets each notice when
 * it is due. The one place the timer logic lives, for the engine's hook and the terminal alike.
 */
export function noticeDriver(initial: RunState, clock: NoticeClock, send: (notice: Notice) => void): { update(state: RunState): void; stop(): void } {
  const coalescer = new NoticeCoalescer(initial);
  let timer: unknown;
  const arm = () => {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    const due = coalescer.dueAt;
    if (due === undefined) return;
    timer = clock.setTimer(() => {
      timer = undefined;
      for (const n of coalescer.take(clock.now())) send(n);
      arm();
    }, Math.max(0, due - clock.now()));
  };
  return {
    update(state) {
      for (const n of coalescer.observe(state, clock.now())) send(n);
      arm();
    },
    stop() {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    },
  };
}

/** The real clock; the timer does not keep a process alive on its own. */
export const SYSTEM_CLOCK: NoticeClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
