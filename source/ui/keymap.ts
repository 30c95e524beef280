import type { Key } from 'ink';
import { isActive, taskStatus, type TaskStatus } from '../core/selectors.js';
import type { RunState, StoredState, TaskRecord } from '../core/state.js';
import type { Handoff, UiCommand } from './fleet-view.js';
import { keyLabel, keyName, splitInput } from './key-names.js';
import { visibleKeys, type OrderedTask } from './task-order.js';
import { moveSelection, scrollOutput, scrollToTop, selectEnd, toggleFollow, type OutputSource } from './ui-moves.js';
import { FOLLOW, scrollOf, selectedKey, withStatus, type TaskCommand, type UiState } from './ui-state.js';

// Every key fleet binds is one row of BINDINGS. The same rows drive the key handler
// (reduceKey), the help bar and the `?` overlay, so what the screen says is what the keys do.

/** How the UI ends: stop the agents and quit, or leave them running (`fleet attach` comes back). */
export type UiOutcome = 'quit-stop' | 'detach';

export type KeyEffect =
  | { kind: 'send'; command: UiCommand }
  | { kind: 'handoff'; target: Handoff }
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

export interface Binding {
  /** Canonical key names (key-names.ts) that trigger it. */
  keys: readonly string[];
  /** How the help bar writes the keys; the first key's label by default. */
  shown?: string;
  label: string | ((c: BindingContext) => string);
  help: string;
  /** Help-bar priority, lower first; without one a binding appears only in the `?` overlay. */
  bar?: number;
  /** Offered in the agent pane as one of the task's next steps (review, failed). */
  taskAction?: boolean;
  enabled: (c: BindingContext) => boolean;
  run: (c: BindingContext, pressed: string) => KeyResult;
}

const inState = (...states: StoredState[]) => (c: BindingContext) => c.task !== undefined && states.includes(c.task.state);
const onList = (c: BindingContext) => c.ui.focus === 'list';
const onPane = (c: BindingContext) => c.ui.focus === 'pane' && c.key !== undefined;
const hasTask = (c: BindingContext) => c.key !== undefined;
const always = () => true;
const output = (c: BindingContext): OutputSource => ({ key: c.key!, lines: () => c.ctx.output(c.key!) });

/** Not yet merging nor settled: what can be paused or cancelled (engine/actions.ts). */
const BEFORE_MERGE: StoredState[] = ['pending', 'preparing', 'running', 'checking', 'queued'];

const PROGRESSIVE: Record<UiCommand['action'], string> = {
  retry: 'retrying',
  requeue: 'requeueing',
  resolve: 'resolving',
  accept: 'accepting',
  discard: 'discarding',
  cancel: 'cancelling',
  pause: 'pausing',
  resume: 'resuming',
  'pause-all': 'pausing new starts',
  'resume-all': 'resuming new starts',
};

/** The command goes out; the status line says so until the engine's answer replaces it. */
function send(ui: UiState, command: UiCommand): KeyResult {
  const what = 'key' in command ? `${PROGRESSIVE[command.action]} ${command.key}…` : `${PROGRESSIVE[command.action]}…`;
  return { ui: withStatus(ui, what), effect: { kind: 'send', command } };
}

function confirm(c: BindingContext, verb: string, question: string, command: TaskCommand): KeyResult {
  return { ui: { ...c.ui, mode: { kind: 'confirm', question: `${question} y/N`, command, verb } } };
}

function taskCommand(action: TaskCommand['action'], c: BindingContext): TaskCommand {
  return { action, key: c.key! };
}

export const BINDINGS: readonly Binding[] = [
  {
    keys: ['up', 'down', 'k', 'j'],
    shown: '↑↓',
    label: (c) => (c.ui.focus === 'pane' ? 'scroll' : 'select'),
    help: 'previous / next task; output focused: scroll a line',
    bar: 1,
    enabled: (c) => onList(c) || onPane(c),
    run: (c, k) => {
      const back = k === 'up' || k === 'k';
      if (onList(c)) return { ui: moveSelection(c.ui, c.visible, back ? -1 : 1) };
      return { ui: scrollOutput(c.ui, output(c), c.ctx.pageSize, back ? 1 : -1) };
    },
  },
  {
    keys: ['home', 'end', 'g', 'G'],
    shown: 'g/G',
    label: (c) => (c.ui.focus === 'pane' ? 'top/tail' : 'first/last'),
    help: 'first / last task; output focused: oldest line / live tail',
    enabled: (c) => onList(c) || onPane(c),
    run: (c, k) => {
      const first = k === 'home' || k === 'g';
      if (onList(c)) return { ui: selectEnd(c.ui, c.visible, first ? 'first' : 'last') };
      return { ui: first ? scrollToTop(c.ui, output(c), c.ctx.pageSize) : { ...c.ui, scroll: FOLLOW } };
    },
  },
  {
    keys: ['enter', 'tab', 'shift+tab'],
    label: 'focus',
    help: 'switch the keys between task list and output pane',
    bar: 2,
    enabled: (c) => c.ui.focus === 'pane' || hasTask(c),
    run: (c) => ({ ui: { ...c.ui, focus: c.ui.focus === 'list' ? 'pane' : 'list' } }),
  },
  {
    keys: ['pgup', 'pgdn', 'ctrl+u', 'ctrl+d'],
    shown: 'PgUp/PgDn',
    label: 'scroll',
    help: 'scroll the output a page back / forward',
    enabled: hasTask,
    run: (c, k) => {
      const back = k === 'pgup' || k === 'ctrl+u';
      return { ui: scrollOutput(c.ui, output(c), c.ctx.pageSize, back ? c.ctx.pageSize : -c.ctx.pageSize) };
    },
  },
  {
    keys: ['f'],
    label: (c) => (scrollOf(c.ui, c.key).follow ? 'hold' : 'follow'),
    help: 'hold the output still / follow its live tail again',
    enabled: hasTask,
    run: (c) => ({ ui: toggleFollow(c.ui, output(c)) }),
  },
  {
    keys: ['/'],
    label: 'filter',
    help: 'filter by key, title, agent or state (esc clears)',
    bar: 8,
    enabled: always,
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'filter' } } }),
  },
  {
    keys: ['p'],
    label: (c) => (c.task?.paused ? 'resume' : 'pause'),
    help: 'pause / resume the task (SIGSTOP; a pending one is held)',
    bar: 3,
    enabled: (c) => c.task !== undefined && (c.task.paused || BEFORE_MERGE.includes(c.task.state)),
    run: (c) => send(c.ui, taskCommand(c.task!.paused ? 'resume' : 'pause', c)),
  },
  {
    keys: ['P'],
    label: (c) => (c.ctx.state.startsPaused ? 'resume all' : 'pause all'),
    help: 'stop / restart starting new tasks (running ones go on)',
    enabled: always,
    run: (c) => send(c.ui, { action: c.ctx.state.startsPaused ? 'resume-all' : 'pause-all' }),
  },
  {
    keys: ['m'],
    label: 'requeue',
    help: 'back to the merge queue (re-checked if the branch changed)',
    bar: 3,
    taskAction: true,
    enabled: inState('review', 'cancelled'),
    run: (c) => send(c.ui, taskCommand('requeue', c)),
  },
  {
    keys: ['R'],
    label: 'resolve',
    help: 'let the agent resolve the conflict in its worktree',
    bar: 3,
    taskAction: true,
    enabled: (c) => c.task?.state === 'review' && c.task.review?.reason === 'conflict',
    run: (c) => send(c.ui, taskCommand('resolve', c)),
  },
  {
    keys: ['r'],
    label: 'retry',
    help: 'fresh attempt from the current base; work archived first',
    bar: 4,
    taskAction: true,
    enabled: inState('failed', 'review', 'cancelled', 'discarded'),
    run: (c) =>
      c.task!.worktree
        ? confirm(c, 'Retry', `Retry ${c.key} from scratch? Its work is archived.`, taskCommand('retry', c))
        : send(c.ui, taskCommand('retry', c)),
  },
  {
    keys: ['x'],
    label: 'cancel',
    help: 'stop the task; worktree and branch are kept',
    bar: 5,
    enabled: inState(...BEFORE_MERGE),
    run: (c) => confirm(c, 'Cancel', `Cancel ${c.key}? Its work so far is kept.`, taskCommand('cancel', c)),
  },
  {
    keys: ['o'],
    label: 'shell',
    help: "open a shell in the task's worktree; exit it to come back",
    bar: 6,
    taskAction: true,
    enabled: (c) => c.task?.worktree !== undefined,
    run: (c) => ({ ui: c.ui, effect: { kind: 'handoff', target: { kind: 'shell', cwd: c.task!.worktree! } } }),
  },
  {
    keys: ['e'],
    label: 'editor',
    help: "open $VISUAL / $EDITOR on the task's worktree",
    enabled: (c) => c.task?.worktree !== undefined,
    run: (c) => ({ ui: c.ui, effect: { kind: 'handoff', target: { kind: 'editor', path: c.task!.worktree! } } }),
  },
  {
    keys: ['l'],
    label: 'log',
    help: "read the current attempt's full log in $PAGER",
    bar: 8,
    taskAction: true,
    enabled: (c) => c.key !== undefined && c.ctx.logFile(c.key) !== undefined,
    run: (c) => ({ ui: c.ui, effect: { kind: 'handoff', target: { kind: 'pager', file: c.ctx.logFile(c.key!)! } } }),
  },
  {
    keys: ['a'],
    label: 'accept',
    help: 'done without merging; its work is archived',
    bar: 7,
    taskAction: true,
    enabled: inState('review', 'failed', 'cancelled'),
    run: (c) =>
      confirm(c, 'Accept', `Accept ${c.key} without merging? Its change will not be in ${c.task!.base}.`, taskCommand('accept', c)),
  },
  {
    keys: ['d'],
    label: 'discard',
    help: 'give the task up: work archived, worktree removed',
    bar: 7,
    taskAction: true,
    enabled: (c) => c.task !== undefined && !['merged', 'merging', 'accepted', 'discarded'].includes(c.task.state),
    run: (c) =>
      confirm(
        c,
        'Discard',
        c.task!.attempt > 0 ? `Discard ${c.key}? Its work is archived.` : `Discard ${c.key}? It will not run.`,
        taskCommand('discard', c),
      ),
  },
  {
    keys: ['esc'],
    label: 'back',
    help: 'close a dialog; back to the list; clear the filter',
    enabled: always,
    run: (c) => ({ ui: c.ui.focus === 'pane' ? { ...c.ui, focus: 'list' } : { ...c.ui, filter: '' } }),
  },
  {
    keys: ['D'],
    label: 'detach',
    help: 'leave; agents keep running, `fleet attach` returns',
    enabled: always,
    run: (c) => ({ ui: c.ui, effect: { kind: 'exit', outcome: 'detach' } }),
  },
  {
    keys: ['?'],
    label: 'help',
    help: 'show every key (esc closes)',
    bar: 0,
    enabled: always,
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'help' } } }),
  },
  {
    keys: ['q', 'ctrl+c'],
    label: 'quit',
    help: 'quit (asks whether to stop agents still at work)',
    bar: 0,
    enabled: always,
    run: quit,
  },
];

function quit(c: BindingContext): KeyResult {
  const state = c.ctx.state;
  const atWork = state.stopped ? 0 : state.order.filter((k) => isActive(state.tasks[k]!)).length;
  if (atWork === 0) return { ui: c.ui, effect: { kind: 'exit', outcome: 'quit-stop' } };
  const question = `${atWork} ${atWork === 1 ? 'task' : 'tasks'} at work. s stop agents and quit · l leave running (detach) · esc cancel`;
  return { ui: { ...c.ui, mode: { kind: 'quit', question } } };
}

export function bindingContext(ui: UiState, ctx: KeyContext): BindingContext {
  const visible = visibleKeys(ctx.state, ctx.order, ui.filter);
  const key = selectedKey(ui, visible);
  const task = key === undefined ? undefined : ctx.state.tasks[key];
  return { ui, ctx, visible, key, task, status: key === undefined ? undefined : taskStatus(ctx.state, key) };
}

export function labelOf(binding: Binding, c: BindingContext): string {
  return typeof binding.label === 'string' ? binding.label : binding.label(c);
}

/** How a binding's keys are written: in the bar (short) or the overlay (every key). */
export function keysOf(binding: Binding, where: 'bar' | 'overlay'): string {
  if (where === 'bar') return binding.shown ?? keyLabel(binding.keys[0]!);
  return binding.keys.map(keyLabel).join(' ');
}

/** The bindings a key press would reach now, in table order. */
export function enabledBindings(c: BindingContext): Binding[] {
  return BINDINGS.filter((b) => b.enabled(c));
}

/** One key (already split from a burst) against the UI state: the next state and what to do. */
export function reduceKey(ui: UiState, input: string, key: Key, ctx: KeyContext): KeyResult {
  const name = keyName(input, key);
  if (name === undefined) return { ui };
  switch (ui.mode.kind) {
    case 'confirm': {
      const { command, verb } = ui.mode;
      const back: UiState = { ...ui, mode: { kind: 'normal' } };
      if (name === 'y' || name === 'Y') return send(back, command);
      return { ui: withStatus(back, `${verb} aborted; ${command.key} unchanged`) };
    }
    case 'quit': {
      const back: UiState = { ...ui, mode: { kind: 'normal' } };
      if (name === 's') return { ui: back, effect: { kind: 'exit', outcome: 'quit-stop' } };
      if (name === 'l') return { ui: back, effect: { kind: 'exit', outcome: 'detach' } };
      return { ui: back };
    }
    case 'help':
      if (name === 'esc' || name === '?' || name === 'q') return { ui: { ...ui, mode: { kind: 'normal' } } };
      if (name !== 'ctrl+c') return { ui };
      break; // C-c quits from anywhere
    case 'filter': {
      const edited = editFilter(ui, name, ctx);
      if (edited) return { ui: edited };
      break; // arrows, paging, C-c: act as usual while the filter is open
    }
    case 'normal':
      break;
  }
  return runBinding(ui, name, ctx);
}

/** A whole input chunk: split into keys, applied in order. */
export function reduceInput(ui: UiState, input: string, key: Key, ctx: KeyContext): { ui: UiState; effects: KeyEffect[] } {
  const effects: KeyEffect[] = [];
  let current = ui;
  for (const [i, k] of splitInput(input, key)) {
    const result = reduceKey(current, i, k, ctx);
    current = result.ui;
    if (result.effect) effects.push(result.effect);
    // Leaving the UI (quit, detach, a handoff) ends the chunk: later keys belong to what comes next.
    if (result.effect && result.effect.kind !== 'send') break;
  }
  return { ui: current, effects };
}

function editFilter(ui: UiState, name: string, ctx: KeyContext): UiState | undefined {
  if (name === 'enter') return { ...ui, mode: { kind: 'normal' } };
  if (name === 'esc') return refilter({ ...ui, mode: { kind: 'normal' } }, '', ctx);
  if (name === 'backspace') return refilter(ui, [...ui.filter].slice(0, -1).join(''), ctx);
  if ([...name].length === 1 && name >= ' ') return refilter(ui, ui.filter + name, ctx);
  return undefined;
}

/** Changing the filter keeps the selection on a visible task, so clearing it later stays there. */
function refilter(ui: UiState, filter: string, ctx: KeyContext): UiState {
  const next = { ...ui, filter };
  const selected = selectedKey(next, visibleKeys(ctx.state, ctx.order, filter));
  return selected === ui.selected ? next : { ...next, selected, scroll: FOLLOW };
}

function runBinding(ui: UiState, name: string, ctx: KeyContext): KeyResult {
  const matching = BINDINGS.filter((b) => b.keys.includes(name));
  if (matching.length === 0) return { ui };
  const c = bindingContext(ui, ctx);
  const binding = matching.find((b) => b.enabled(c));
  if (binding) return binding.run(c, name);
  const what = `${keyLabel(name)} ${labelOf(matching[0]!, c)}`;
  if (c.key === undefined) return { ui: withStatus(ui, `${what}: no task selected`) };
  return { ui: withStatus(ui, `${what}: not possible while ${c.key} is ${c.status === 'review' ? 'in review' : c.status}`) };
}
