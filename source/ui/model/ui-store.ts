import { initialUi, type UiState } from './ui-state.js';

/**
 * Holds the UI state outside React: the key handler reads it fresh on every key (Ink 6 may call
 * a stale handler, docs/ui.md#terminal-facts), and it outlives a remount, so a shell handoff comes
 * back to the same selection, filter and scroll.
 */
export class UiStore {
  private readonly listeners = new Set<() => void>();

  constructor(private state: UiState = initialUi()) {}

  get = (): UiState => this.state;

  set(next: UiState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  update(change: (ui: UiState) => UiState): void {
    this.set(change(this.state));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
