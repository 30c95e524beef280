// Every key fleet binds, in every mode: the rows of the keymap (source/ui/keys/keymap.ts reads them).
import { type TaskAction } from '../../core/actions.js';
import { isActive } from '../../core/selectors.js';
import type { UiCommand } from '../model/fleet-view.js';
import { nextNeedingYou, visibleKeys } from '../model/task-order.js';
import { DIFF_BINDINGS } from './diff-keys.js';
import { moveSelection, scrollOutput, scrollToTop, selectEnd, toggleFollow, type OutputSource } from '../model/ui-moves.js';
import { FOLLOW, scrollOf, selectedKey, withStatus, type Mode, type TaskCommand, type UiState } from '../model/ui-state.js';
import { OTHER_KEY, TEXT_KEY, type BindingContext, type Binding, type KeyContext, type KeyResult } from './key-types.js';
import { keysOf, labelOf, modeBindings } from './keymap.js';

const onList = (c: BindingContext) => c.ui.focus === 'list';
const onPane = (c: BindingContext) => c.ui.focus === 'pane' && c.key !== undefined;
const hasTask = (c: BindingContext) => c.key !== undefined;
const output = (c: BindingContext): OutputSource => ({ key: c.key!, lines: () => c.ctx.output(c.key!) });
const normal = (ui: UiState): UiState => ({ ...ui, mode: { kind: 'normal' } });

const PROGRESSIVE: Record<UiCommand['action'], string> = {
  retry: 'retrying',
  requeue: 'requeueing',
  resolve: 'resolving',
  accept: 'accepting',
  discard: 'discarding',
  cancel: 'cancelling',
  pause: 'pausing',
  resume: 'resuming',
  approve: 'approving',
  pick: 'picking the next candidate of',
  revise: 'sending comments to',
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

const pauseOrResume = (c: BindingContext): TaskAction => (c.task?.paused ? 'resume' : 'pause');

function confirming(c: BindingContext): Extract<Mode, { kind: 'confirm' }> {
  if (c.ui.mode.kind !== 'confirm') throw new Error('a confirm-mode key outside the confirm dialog');
  return c.ui.mode;
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
    keys: ['s'],
    label: (c) => (c.ui.attention ? 'dag order' : 'needs you first'),
    help: 'order the list by attention (needs you, at work, waiting, done) / by the DAG',
    run: (c) => ({ ui: { ...c.ui, attention: !c.ui.attention } }),
  },
  {
    keys: ['n'],
    label: 'next needing you',
    help: 'select the next task that needs you',
    enabled: (c) => nextNeedingYou(c.ctx.state, c.visible, c.key) !== undefined,
    run: (c) => ({ ui: { ...c.ui, selected: nextNeedingYou(c.ctx.state, c.visible, c.key), scroll: FOLLOW } }),
  },
  {
    keys: ['/'],
    label: 'filter',
    help: 'filter by key, title, agent or state (esc clears)',
    bar: 8,
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'filter' } } }),
  },
  {
    keys: ['p'],
    actions: ['pause', 'resume'],
    pick: pauseOrResume,
    help: 'SIGSTOP the task, or hold a pending one; continue it',
    bar: 3,
    run: (c) => send(c.ui, taskCommand(pauseOrResume(c), c)),
  },
  {
    keys: ['P'],
    label: (c) => (c.ctx.state.startsPaused ? 'resume all' : 'pause all'),
    help: 'stop / restart starting new tasks (running ones go on)',
    run: (c) => send(c.ui, { action: c.ctx.state.startsPaused ? 'resume-all' : 'pause-all' }),
  },
  {
    keys: ['m'],
    actions: ['requeue'],
    help: 'back to the merge queue (re-checked if the branch changed)',
    bar: 3,
    taskAction: true,
    run: (c) => send(c.ui, taskCommand('requeue', c)),
  },
  {
    keys: ['R'],
    actions: ['resolve'],
    help: 'let the agent resolve the conflict in its worktree',
    bar: 3,
    taskAction: true,
    run: (c) => send(c.ui, taskCommand('resolve', c)),
  },
  {
    keys: ['r'],
    actions: ['retry'],
    help: 'fresh attempt from the current base; work archived first',
    bar: 4,
    taskAction: true,
    run: (c) =>
      c.task!.worktree
        ? confirm(c, 'Retry', `Retry ${c.key} from scratch? Its work is archived.`, taskCommand('retry', c))
        : send(c.ui, taskCommand('retry', c)),
  },
  {
    keys: ['A'],
    actions: ['approve'],
    help: 'let a task awaiting approval into the merge queue',
    bar: 3,
    taskAction: true,
    run: (c) => send(c.ui, taskCommand('approve', c)),
  },
  {
    keys: ['c'],
    actions: ['pick'],
    help: 'best-of-N: the next candidate that passed becomes the pick, before the merge',
    bar: 4,
    taskAction: true,
    run: (c) => send(c.ui, taskCommand('pick', c)),
  },
  {
    keys: ['x'],
    actions: ['cancel'],
    help: 'stop the task; worktree and branch are kept',
    bar: 5,
    run: (c) => confirm(c, 'Cancel', `Cancel ${c.key}? Its work so far is kept.`, taskCommand('cancel', c)),
  },
  {
    keys: ['v'],
    label: 'diff',
    help: 'view the change against its base; comment on it and send the comments to the agent',
    bar: 6,
    taskAction: true,
    enabled: (c) => c.task !== undefined && c.task.attempt > 0,
    run: (c) => ({ ui: withStatus(c.ui, `loading the diff of ${c.key}…`), effect: { kind: 'diff', key: c.key! } }),
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
    actions: ['accept'],
    help: 'done without merging; its work is archived',
    bar: 7,
    taskAction: true,
    run: (c) =>
      confirm(c, 'Accept', `Accept ${c.key} without merging? Its change will not be in ${c.task!.base}.`, taskCommand('accept', c)),
  },
  {
    keys: ['d'],
    actions: ['discard'],
    help: 'give the task up; work archived, worktree removed',
    bar: 7,
    taskAction: true,
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
    help: 'back to the list; clear the filter',
    run: (c) => ({ ui: c.ui.focus === 'pane' ? { ...c.ui, focus: 'list' } : { ...c.ui, filter: '' } }),
  },
  {
    keys: ['D'],
    label: 'detach',
    help: 'leave; agents keep running, `fleet attach` returns',
    run: (c) => ({ ui: c.ui, effect: { kind: 'exit', outcome: 'detach' } }),
  },
  {
    keys: ['?'],
    label: 'help',
    help: 'show every key',
    bar: 0,
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'help' } } }),
  },
  {
    keys: ['q', 'ctrl+c'],
    label: 'quit',
    help: 'quit (asks whether to stop agents still at work)',
    bar: 0,
    run: quit,
  },

  // The confirm dialog (x, d, a, and r on a task with a worktree).
  {
    mode: 'confirm',
    keys: ['y', 'Y'],
    label: 'yes',
    help: 'do it',
    run: (c) => send(normal(c.ui), confirming(c).command),
  },
  {
    mode: 'confirm',
    keys: [OTHER_KEY],
    label: 'no',
    help: 'abort: nothing is sent',
    run: (c) => {
      const { verb, command } = confirming(c);
      return { ui: withStatus(normal(c.ui), `${verb} aborted; ${command.key} unchanged`) };
    },
  },

  // The quit prompt (q while tasks are at work); its question lists these keys.
  {
    mode: 'quit',
    keys: ['s'],
    label: 'stop agents and quit',
    help: 'stop the agents still at work, then quit',
    run: (c) => ({ ui: normal(c.ui), effect: { kind: 'exit', outcome: 'quit-stop' } }),
  },
  {
    mode: 'quit',
    keys: ['l'],
    label: 'leave running (detach)',
    help: 'quit and leave the agents running; `fleet attach` returns',
    run: (c) => ({ ui: normal(c.ui), effect: { kind: 'exit', outcome: 'detach' } }),
  },
  {
    mode: 'quit',
    keys: [OTHER_KEY],
    shown: 'esc',
    label: 'cancel',
    help: 'stay',
    run: (c) => ({ ui: normal(c.ui) }),
  },

  // Typing into the filter; keys it does not bind (arrows, paging, C-c) act as on the list.
  {
    mode: 'filter',
    keys: [TEXT_KEY],
    help: 'filter the list as you type (key, title, agent or state)',
    run: (c, k) => ({ ui: refilter(c.ui, c.ui.filter + k, c.ctx) }),
  },
  {
    mode: 'filter',
    keys: ['backspace'],
    help: 'delete the last character',
    run: (c) => ({ ui: refilter(c.ui, [...c.ui.filter].slice(0, -1).join(''), c.ctx) }),
  },
  {
    mode: 'filter',
    keys: ['enter'],
    help: 'keep the filter',
    run: (c) => ({ ui: normal(c.ui) }),
  },
  {
    mode: 'filter',
    keys: ['esc'],
    help: 'clear the filter',
    run: (c) => ({ ui: refilter(normal(c.ui), '', c.ctx) }),
  },

  // This help; any other key does nothing.
  {
    mode: 'help',
    keys: ['esc', '?', 'q'],
    help: 'close the help',
    run: (c) => ({ ui: normal(c.ui) }),
  },
  {
    mode: 'help',
    keys: ['ctrl+c'],
    help: 'quit (asks whether to stop agents still at work)',
    run: quit,
  },
  ...DIFF_BINDINGS,
];


function quit(c: BindingContext): KeyResult {
  const state = c.ctx.state;
  const atWork = state.stopped ? 0 : state.order.filter((k) => isActive(state.tasks[k]!)).length;
  if (atWork === 0) return { ui: c.ui, effect: { kind: 'exit', outcome: 'quit-stop' } };
  const choices = modeBindings('quit').map((b) => `${keysOf(b, 'bar')} ${labelOf(b, c)}`);
  const question = `${atWork} ${atWork === 1 ? 'task' : 'tasks'} at work. ${choices.join(' · ')}`;
  return { ui: { ...c.ui, mode: { kind: 'quit', question } } };
}

/** Changing the filter keeps the selection on a visible task, so clearing it later stays there. */
function refilter(ui: UiState, filter: string, ctx: KeyContext): UiState {
  const next = { ...ui, filter };
  const selected = selectedKey(next, visibleKeys(ctx.state, ctx.order, filter));
  return selected === ui.selected ? next : { ...next, selected, scroll: FOLLOW };
}

