import type { FleetEvent } from '../core/events.js';
import { isEphemeral } from '../core/events.js';
import { emptyRun, reduce, type RunState } from '../core/state.js';
import { writeFileAtomic } from './host/atomic-write.js';
import type { Journal } from './journal.js';

export type Listener = (state: RunState, event: FleetEvent) => void;

/**
 * The one source of truth for a run: every change is an event, journaled first (unless it is
 * ephemeral output progress), then folded by the pure reducer, then shown to subscribers.
 */
export class Store {
  private current: RunState;
  private readonly listeners = new Set<Listener>();
  private snapshotTimer: NodeJS.Timeout | undefined;
  private readonly backlog: FleetEvent[] = [];
  private dispatching = false;

  constructor(
    private readonly journal: Journal | undefined,
    private readonly snapshotPath: string | undefined,
    initial: RunState = emptyRun(),
    private readonly onListenerError: (error: unknown, event: FleetEvent) => void = (error, event) =>
      process.stderr.write(`fleet: a listener failed on ${event.type}: ${(error as Error)?.stack ?? String(error)}\n`),
  ) {
    this.current = initial;
  }

  get state(): RunState {
    return this.current;
  }

  /**
   * Listeners may dispatch in turn; those events wait until every listener has seen the current
   * one, so all subscribers observe events in the same order.
   */
  dispatch(event: FleetEvent): void {
    this.backlog.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.backlog.shift(); next; next = this.backlog.shift()) {
        if (!isEphemeral(next)) this.journal?.append(next);
        this.current = reduce(this.current, next);
        if (!isEphemeral(next)) this.scheduleSnapshot();
        for (const listener of this.listeners) this.notify(listener, next);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /**
   * One listener that throws (a view, a printer) must not keep the engine or the journal from
   * seeing the event: it is reported, and the others still run.
   */
  private notify(listener: Listener, event: FleetEvent): void {
    try {
      listener(this.current, event);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes state.json now; called on shutdown so `fleet status` sees the final state. */
  flush(): void {
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    if (this.snapshotPath) writeFileAtomic(this.snapshotPath, JSON.stringify(this.current, null, 1));
  }

  private scheduleSnapshot(): void {
    if (!this.snapshotPath || this.snapshotTimer) return;
    // At most once a second: the journal is the durable record; state.json is a convenience for
    // readers, and rewriting (and fsyncing) a large run's state on every agent_progress would not be.
    this.snapshotTimer = setTimeout(() => this.flush(), 1000);
    this.snapshotTimer.unref();
  }
}
