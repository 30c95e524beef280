import { useMemo, useSyncExternalStore } from 'react';
import type { RunState } from '../../core/state.js';
import type { FleetView } from '../model/fleet-view.js';

/**
 * Ten renders a second at most while output floods in: smooth enough to watch, cheap over SSH
 * (docs/ui.md#terminal-facts). Keys do not wait for it: they re-render through the UI store at once.
 */
export const RENDER_INTERVAL_MS = 100;
/** Ink redraws the whole frame, at a cost per cell; past this many cells a second, render less often. */
const CELLS_PER_SECOND = 80_000;
const SLOWEST_INTERVAL_MS = 250;

/** The render interval for a terminal this size: 100 ms up to ~8000 cells, up to 250 ms beyond. */
export function renderInterval(columns: number, rows: number): number {
  const ms = ((columns * rows) / CELLS_PER_SECOND) * 1000;
  return Math.round(Math.min(SLOWEST_INTERVAL_MS, Math.max(RENDER_INTERVAL_MS, ms)));
}

/** What a render reads; a new object only when the throttle publishes. */
export interface FleetSnapshot {
  state: RunState;
  /** Counts publishes: output lines (read through getLines) may change while the state does not. */
  version: number;
}

/**
 * Coalesces a FleetView's change notifications (it may call them for every output line) into at
 * most one publish per interval. The first change after a quiet spell publishes at once, so a key
 * press shows without delay; a burst publishes once more at its end, so the last change shows.
 */
export class ThrottledView {
  private snapshot: FleetSnapshot;
  private readonly listeners = new Set<() => void>();
  private unsubscribeView: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPublish = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly view: FleetView,
    private readonly intervalMs: number = RENDER_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.snapshot = { state: view.getState(), version: 0 };
  }

  getSnapshot = (): FleetSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.unsubscribeView) {
      this.unsubscribeView = this.view.subscribe(this.changed);
      if (this.view.getState() !== this.snapshot.state) this.changed();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.unsubscribeView?.();
      this.unsubscribeView = undefined;
      clearTimeout(this.timer);
      this.timer = undefined;
    };
  };

  private readonly changed = (): void => {
    if (this.timer) return;
    const wait = this.lastPublish + this.intervalMs - this.now();
    if (wait <= 0) this.publish();
    else this.timer = setTimeout(this.publish, wait);
  };

  private readonly publish = (): void => {
    this.timer = undefined;
    this.lastPublish = this.now();
    this.snapshot = { state: this.view.getState(), version: this.snapshot.version + 1 };
    for (const listener of this.listeners) listener();
  };
}

/** The run as the UI renders it, re-read at most every `intervalMs`. */
export function useFleetView(view: FleetView, intervalMs: number = RENDER_INTERVAL_MS): FleetSnapshot {
  const source = useMemo(() => new ThrottledView(view, intervalMs), [view, intervalMs]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot);
}
