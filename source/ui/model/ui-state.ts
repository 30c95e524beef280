import type { RevisionComment } from '../../core/events.js';
import type { UiCommand } from './fleet-view.js';

/** A command about one task (all the confirmed ones are). */
export type TaskCommand = Extract<UiCommand, { key: string }>;

/** What the keyboard is talking to right now; the dialogs replace the help bar, help replaces the body. */
export type Mode =
  | { kind: 'normal' }
  /** Typing into the task filter. */
  | { kind: 'filter' }
  | { kind: 'help' }
  /** A destructive command waiting for y; any other key aborts it. */
  | { kind: 'confirm'; question: string; command: TaskCommand; verb: string }
  /** Quit while tasks are at work: stop them, leave them running, or stay. */
  | { kind: 'quit'; question: string }
  /** A task's change, as the engine sent it, and the comments written on it so far. */
  | { kind: 'diff'; diff: DiffState }
  /** Typing a comment on the diff's cursor line (or on the change as a whole). */
  | { kind: 'comment'; diff: DiffState; draft: string; on: Pick<RevisionComment, 'path' | 'line'> };

export interface DiffState {
  key: string;
  /** What is compared, e.g. "branch fleet/x". */
  what: string;
  lines: readonly string[];
  cursor: number;
  comments: RevisionComment[];
}

/**
 * Following shows the live tail of the selected task's output. Scrolled back, the pane shows a
 * snapshot taken when the user left the tail, so what they read holds still while output arrives
 * (FleetView has no line numbers to anchor to; `less` does the same until F).
 */
export type Scroll = { follow: true } | { follow: false; key: string; lines: readonly string[]; offset: number };

export interface UiState {
  /** Task key; kept by key, not index, so the selection survives new tasks and filtering. */
  selected?: string;
  focus: 'list' | 'pane';
  filter: string;
  mode: Mode;
  scroll: Scroll;
  /** The list in attention order (what needs you first) instead of the DAG's. */
  attention: boolean;
  /** The sentence saying what the last command did (or why nothing happened). */
  status?: string;
}

export const FOLLOW: Scroll = { follow: true };

export function initialUi(): UiState {
  return { focus: 'list', filter: '', mode: { kind: 'normal' }, scroll: FOLLOW, attention: false };
}

/** The selected task among those shown: the remembered one if visible, else the first. */
export function selectedKey(ui: UiState, visible: readonly string[]): string | undefined {
  return ui.selected !== undefined && visible.includes(ui.selected) ? ui.selected : visible[0];
}

/** The scroll as it applies to `key`: a snapshot of another task's output means nothing here. */
export function scrollOf(ui: UiState, key: string | undefined): Scroll {
  return ui.scroll.follow || ui.scroll.key === key ? ui.scroll : FOLLOW;
}

export function withStatus(ui: UiState, status: string | undefined): UiState {
  return { ...ui, status };
}
