import { disabledReason, refusal } from '../../core/actions.js';
import { diffTargets, fileStarts, placeOf } from '../model/diff-lines.js';
import { TEXT_KEY, type Binding, type BindingContext, type KeyResult } from './key-types.js';
import { withStatus, type DiffState, type UiState } from '../model/ui-state.js';

// The diff view's keys (docs/ui.md): move through the change, comment on lines or on the whole,
// send the comments to the task's agent (`revise`, the same action as `fleet revise`).

function diffOf(c: BindingContext): DiffState {
  const mode = c.ui.mode;
  if (mode.kind !== 'diff' && mode.kind !== 'comment') throw new Error('a diff key outside the diff view');
  return mode.diff;
}

const inDiff = (ui: UiState, diff: DiffState): UiState => ({ ...ui, mode: { kind: 'diff', diff } });

function moveTo(c: BindingContext, cursor: number): KeyResult {
  const diff = diffOf(c);
  return { ui: inDiff(c.ui, { ...diff, cursor: Math.max(0, Math.min(diff.lines.length - 1, cursor)) }) };
}

function jumpFile(c: BindingContext, forward: boolean): KeyResult {
  const { cursor } = diffOf(c);
  const starts = fileStarts(diffOf(c).lines);
  const to = forward ? starts.find((i) => i > cursor) : starts.filter((i) => i < cursor).at(-1);
  return to === undefined ? { ui: withStatus(c.ui, forward ? 'no file after this one' : 'no file before this one') } : moveTo(c, to);
}

function commenting(c: BindingContext): Extract<UiState['mode'], { kind: 'comment' }> {
  if (c.ui.mode.kind !== 'comment') throw new Error('a comment key outside the comment line');
  return c.ui.mode;
}

export const DIFF_BINDINGS: readonly Binding[] = [
  {
    mode: 'diff',
    keys: ['up', 'down', 'k', 'j'],
    shown: '↑↓',
    label: 'line',
    help: 'previous / next line',
    run: (c, k) => moveTo(c, diffOf(c).cursor + (k === 'up' || k === 'k' ? -1 : 1)),
  },
  {
    mode: 'diff',
    keys: ['pgup', 'pgdn', 'ctrl+u', 'ctrl+d'],
    shown: 'PgUp/PgDn',
    label: 'page',
    help: 'a page back / forward',
    run: (c, k) => moveTo(c, diffOf(c).cursor + (k === 'pgup' || k === 'ctrl+u' ? -c.ctx.pageSize : c.ctx.pageSize)),
  },
  {
    mode: 'diff',
    keys: ['g', 'G'],
    shown: 'g/G',
    label: 'ends',
    help: 'first / last line',
    run: (c, k) => moveTo(c, k === 'g' ? 0 : diffOf(c).lines.length - 1),
  },
  {
    mode: 'diff',
    keys: ['n', 'N'],
    shown: 'n/N',
    label: 'file',
    help: 'next / previous file',
    run: (c, k) => jumpFile(c, k === 'n'),
  },
  {
    mode: 'diff',
    keys: ['c'],
    label: 'comment',
    help: 'comment on the line under the cursor',
    run: (c) => {
      const diff = diffOf(c);
      const on = diffTargets(diff.lines)[diff.cursor];
      if (!on) return { ui: withStatus(c.ui, 'c: move to a line of a file to comment on it (C comments on the whole change)') };
      return { ui: { ...c.ui, mode: { kind: 'comment', diff, draft: '', on } } };
    },
  },
  {
    mode: 'diff',
    keys: ['C'],
    label: 'general',
    help: 'a general comment on the whole change',
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'comment', diff: diffOf(c), draft: '', on: {} } } }),
  },
  {
    mode: 'diff',
    keys: ['u'],
    label: 'undo',
    help: 'take back the last comment',
    run: (c) => {
      const diff = diffOf(c);
      const last = diff.comments.at(-1);
      const said = last ? `comment on ${placeOf(last)} taken back` : 'no comment to take back';
      return { ui: withStatus(inDiff(c.ui, { ...diff, comments: diff.comments.slice(0, -1) }), said) };
    },
  },
  {
    mode: 'diff',
    keys: ['s'],
    actions: ['revise'],
    help: 'send the comments; the agent revises its change in the same worktree and branch',
    run: (c) => {
      const diff = diffOf(c);
      const task = c.ctx.state.tasks[diff.key];
      if (diff.comments.length === 0) return { ui: withStatus(c.ui, 's: write a comment first (c on a line, C general)') };
      const why = task ? disabledReason('revise', task, c.ctx.state) : 'it is no longer in this run';
      if (why) return { ui: withStatus(c.ui, `s: ${refusal('revise', diff.key, why)}`) };
      const command = { action: 'revise' as const, key: diff.key, comments: diff.comments };
      return { ui: withStatus({ ...c.ui, mode: { kind: 'normal' } }, `sending ${diff.comments.length} comments to ${diff.key}…`), effect: { kind: 'send', command } };
    },
  },
  {
    mode: 'diff',
    keys: ['esc', 'q'],
    shown: 'esc',
    label: 'close',
    help: 'close the diff (unsent comments are dropped)',
    run: (c) => ({ ui: { ...c.ui, mode: { kind: 'normal' } } }),
  },

  {
    mode: 'comment',
    keys: [TEXT_KEY],
    help: 'type the comment',
    run: (c, k) => ({ ui: { ...c.ui, mode: { ...commenting(c), draft: commenting(c).draft + k } } }),
  },
  {
    mode: 'comment',
    keys: ['backspace'],
    help: 'delete the last character',
    run: (c) => ({ ui: { ...c.ui, mode: { ...commenting(c), draft: [...commenting(c).draft].slice(0, -1).join('') } } }),
  },
  {
    mode: 'comment',
    keys: ['enter'],
    help: 'keep the comment (s in the diff sends them all)',
    run: (c) => {
      const { diff, draft, on } = commenting(c);
      if (draft.trim() === '') return { ui: inDiff(c.ui, diff) };
      const comments = [...diff.comments, { ...on, text: draft.trim() }];
      return { ui: withStatus(inDiff(c.ui, { ...diff, comments }), `comment on ${placeOf(on)} kept (${comments.length} to send)`) };
    },
  },
  {
    mode: 'comment',
    keys: ['esc'],
    help: 'drop this comment',
    run: (c) => ({ ui: inDiff(c.ui, commenting(c).diff) }),
  },
];
