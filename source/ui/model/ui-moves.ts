import { FOLLOW, scrollOf, selectedKey, type UiState } from './ui-state.js';

// Pure moves of the selection and the output scroll, shared by the key bindings.

/** Moves the selection by `delta` rows (clamped); a new task is shown at its live tail. */
export function moveSelection(ui: UiState, visible: readonly string[], delta: number): UiState {
  if (visible.length === 0) return ui;
  const current = selectedKey(ui, visible);
  const index = current === undefined ? 0 : visible.indexOf(current);
  const next = visible[Math.max(0, Math.min(visible.length - 1, index + delta))];
  return next === current ? { ...ui, selected: next } : { ...ui, selected: next, scroll: FOLLOW };
}

export function selectEnd(ui: UiState, visible: readonly string[], end: 'first' | 'last'): UiState {
  return moveSelection(ui, visible, end === 'first' ? -visible.length : visible.length);
}

/** The selected task's output: its key, and all its buffered lines when asked. */
export interface OutputSource {
  key: string;
  lines: () => readonly string[];
}

/**
 * Scrolls the output `delta` lines back (positive) or forward. Leaving the live tail takes a
 * snapshot of the buffered lines; scrolling forward to its bottom follows the live tail again.
 */
export function scrollOutput(ui: UiState, source: OutputSource, pageSize: number, delta: number): UiState {
  const scroll = scrollOf(ui, source.key);
  const lines = scroll.follow ? source.lines() : scroll.lines;
  const current = scroll.follow ? 0 : scroll.offset;
  const offset = Math.max(0, Math.min(maxOffset(lines, pageSize), current + delta));
  if (offset === 0 && (scroll.follow || delta < 0)) return { ...ui, scroll: FOLLOW };
  return { ...ui, scroll: { follow: false, key: source.key, lines, offset } };
}

export function scrollToTop(ui: UiState, source: OutputSource, pageSize: number): UiState {
  const scroll = scrollOf(ui, source.key);
  const lines = scroll.follow ? source.lines() : scroll.lines;
  return { ...ui, scroll: { follow: false, key: source.key, lines, offset: maxOffset(lines, pageSize) } };
}

/** `f`: hold the output still where it is, or go back to following the live tail. */
export function toggleFollow(ui: UiState, source: OutputSource): UiState {
  const scroll = scrollOf(ui, source.key);
  return { ...ui, scroll: scroll.follow ? { follow: false, key: source.key, lines: source.lines(), offset: 0 } : FOLLOW };
}

function maxOffset(lines: readonly string[], pageSize: number): number {
  return Math.max(0, lines.length - Math.max(1, pageSize));
}
