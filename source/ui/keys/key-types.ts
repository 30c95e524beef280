// The shapes the keymap works with (docs/ui.md, Keys): bindings, their context and effects.
import type { TaskAction } from '../../core/actions.js';
import type { TaskStatus } from '../../core/selectors.js';
import type { RunState, TaskRecord } from '../../core/state.js';
import type { Handoff, UiCommand } from '../model/fleet-view.js';
import type { OrderedTask } from '../model/task-order.js';
import type { Mode, UiState } from '../model/ui-state.js';

/** How the UI ends: stop the agents and quit, or leave them running (`fleet attach` comes back). */
export type UiOutcome = 'quit-stop' | 'detach';

export type KeyEffect =
  | { kind: 'send'; command: UiCommand }
  | { kind: 'handoff'; target: Handoff }
  /** Ask the engine for a task's diff; the diff view opens with it. */
  | { kind: 'diff'; key: string }
  | { kind: 'exit'; outcome: UiOutcome };

export interface KeyResult {
  ui: UiState;
  effect?: KeyEffect;
}

/** What the keymap may read besides the UI state: the run and the screen, never the terminal. */
export interface KeyContext {
  state: RunState;
  order: readonly OrderedTask[];
  /** Output rows the agent pane shows: one page. */
  pageSize: number;
  /** Every buffered output line of a task (a scrolled-back pane keeps a snapshot of them). */
  output: (key: string) => readonly string[];
  logFile: (key: string) => string | undefined;
}

/** A key press seen from one binding: the UI, the run, and the selected task if any. */
export interface BindingContext {
  ui: UiState;
  ctx: KeyContext;
  visible: readonly string[];
  key?: string;
  task?: TaskRecord;
  status?: TaskStatus;
}

export type ModeKind = Mode['kind'];

/** In `keys`: any key the mode binds no other way. */
export const OTHER_KEY = 'other';
/** In `keys`: one typed character (the filter's text). */
export const TEXT_KEY = 'text';

export interface Binding {
  /** The mode whose keys these are; the normal screen when absent. */
  mode?: ModeKind;
  /** Canonical key names (key-names.ts) that trigger it, or OTHER_KEY / TEXT_KEY. */
  keys: readonly string[];
  /** How the help bar writes the keys; the first key's label by default. */
  shown?: string;
  /**
   * The task actions the key sends, named as the CLI names them; with several, `pick` says which
   * one a press sends now. Such a key is labelled with the action and enabled when it applies.
   */
  actions?: readonly TaskAction[];
  pick?: (c: BindingContext) => TaskAction;
  /** The help-bar label; an action key's is its action. */
  label?: string | ((c: BindingContext) => string);
  help: string;
  /** Help-bar priority, lower first; without one a binding appears only in the `?` overlay. */
  bar?: number;
  /** Offered in the agent pane as one of the task's next steps (review, failed). */
  taskAction?: boolean;
  /** Always, or for an action key, when the action applies to the selected task. */
  enabled?: (c: BindingContext) => boolean;
  run: (c: BindingContext, pressed: string) => KeyResult;
}

