import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../source/core/events.js';
import { NO_KEY } from '../../source/ui/keys/key-names.js';
import { disabledReason, TASK_ACTIONS, type TaskAction } from '../../source/core/actions.js';
import {
  BINDINGS, bindingContext, enabledBindings, labelOf, reduceInput, reduceKey, type KeyContext, type KeyEffect,
} from '../../source/ui/keys/keymap.js';
import { barEntries } from '../../source/ui/keys/key-help.js';
import { attentionOrder, displayOrder } from '../../source/ui/model/task-order.js';
import { initialUi, type UiState } from '../../source/ui/model/ui-state.js';
import { added, ago, failed, FakeView, queued, review, started, worktreeOf } from './fake-view.js';

function contextOf(view: FakeView, pageSize = 5): KeyContext {
  const state = view.getState();
  return {
    state,
    order: displayOrder(state),
    pageSize,
    output: (key) => view.getLines(key),
    logFile: (key) => view.logFile(key),
  };
}

/** Types `keys` (each one read from the terminal) into the keymap, from `ui`. */
function type(ctx: KeyContext, ui: UiState, ...keys: string[]): { ui: UiState; effects: KeyEffect[] } {
  const effects: KeyEffect[] = [];
  for (const k of keys) {
    const key = { ...NO_KEY };
    let input = k;
    if (k === '\r') [input, key.return] = ['', true];
    else if (k === '\x1b') [input, key.escape, key.meta] = ['', true, true];
    else if (k === '\x7f') [input, key.delete] = ['', true];
    else if (k === '\t') [input, key.tab] = ['', true];
    else if (k === '\x1b[5~') [input, key.pageUp] = ['', true];
    else if (k === '\x1b[6~') [input, key.pageDown] = ['', true];
    else if (k === '\x03') [input, key.ctrl] = ['c', true];
    else if (k === '\x15') [input, key.ctrl] = ['u', true];
    else if (k === '\x04') [input, key.ctrl] = ['d', true];
    else if (/^[A-Z]$/.test(k)) key.shift = true;
    const result = reduceInput(ui, input, key, ctx);
    ui = result.ui;
    effects.push(...result.effects);
  }
  return { ui, effects };
}

const select = (key: string): UiState => ({ ...initialUi(), selected: key });

function fleet(...events: FleetEvent[]): KeyContext {
  return contextOf(new FakeView(events));
}

describe('moving around', () => {
  const ctx = fleet(added('a'), added('b'), added('c'), added('d'));

  it('j/k and the arrows move the selection, g/G jump to the ends', () => {
    expect(type(ctx, initialUi(), 'j').ui.selected).toBe('b');
    expect(type(ctx, initialUi(), 'j', 'j', 'k').ui.selected).toBe('b');
    expect(type(ctx, initialUi(), 'G').ui.selected).toBe('d');
    expect(type(ctx, select('c'), 'g').ui.selected).toBe('a');
    expect(type(ctx, select('d'), 'j').ui.selected).toBe('d');
  });

  it('a burst of keys from one read acts key by key, in order', () => {
    expect(type(ctx, initialUi(), 'jj').ui.selected).toBe('c');
    expect(type(ctx, initialUi(), 'jjjk').ui.selected).toBe('c');
  });

  it('enter and tab move the keys between the list and the output pane; esc gives them back', () => {
    const pane = type(ctx, initialUi(), '\r').ui;
    expect(pane.focus).toBe('pane');
    expect(type(ctx, pane, '\t').ui.focus).toBe('list');
    expect(type(ctx, pane, '\x1b').ui.focus).toBe('list');
  });
});

describe('commands', () => {
  const ctx = fleet(
    added('run'), ...started('run', ago(60_000)),
    added('wait', 'run'),
    added('conf'), ...started('conf', ago(60_000)), ...review('conf', ago(1000), ['a.ts']),
    added('gate'), ...started('gate', ago(60_000)), ...review('gate', ago(1000), [], 'gate_failed', 'FAIL x'),
    added('bad'), ...started('bad', ago(60_000)), ...failed('bad', ago(1000), 'check failed', 'boom'),
    added('done'), ...started('done', ago(60_000)), ...queued('done', ago(1000)),
  );

  it('p pauses a running task and holds a pending one; P pauses all starts', () => {
    expect(type(ctx, select('run'), 'p').effects).toEqual([{ kind: 'send', command: { action: 'pause', key: 'run' } }]);
    expect(type(ctx, select('wait'), 'p').effects).toEqual([{ kind: 'send', command: { action: 'pause', key: 'wait' } }]);
    expect(type(ctx, select('run'), 'P').effects).toEqual([{ kind: 'send', command: { action: 'pause-all' } }]);
  });

  it('p resumes a paused task; P resumes starts when they are paused', () => {
    const view = new FakeView([added('run'), ...started('run', ago(1000)), { type: 'task_paused', at: ago(1), key: 'run' }, { type: 'starts_paused', at: ago(1) }]);
    const c = contextOf(view);
    expect(type(c, select('run'), 'p').effects).toEqual([{ kind: 'send', command: { action: 'resume', key: 'run' } }]);
    expect(type(c, select('run'), 'P').effects).toEqual([{ kind: 'send', command: { action: 'resume-all' } }]);
  });

  it('x asks first and cancels only on y', () => {
    const asked = type(ctx, select('run'), 'x');
    expect(asked.effects).toEqual([]);
    expect(asked.ui.mode).toMatchObject({ kind: 'confirm', question: 'Cancel run? Its work so far is kept. y/N' });
    const yes = type(ctx, asked.ui, 'y');
    expect(yes.effects).toEqual([{ kind: 'send', command: { action: 'cancel', key: 'run' } }]);
    expect(yes.ui.mode.kind).toBe('normal');
    expect(yes.ui.status).toBe('cancelling run…');
  });

  it('any key but y aborts a confirmation, and says so', () => {
    for (const key of ['n', 'N', '\r', '\x1b', 'j', 'x', 'q']) {
      const r = type(ctx, select('run'), 'x', key);
      expect(r.effects, key).toEqual([]);
      expect(r.ui.mode.kind, key).toBe('normal');
      expect(r.ui.selected, key).toBe('run');
    }
    expect(type(ctx, select('run'), 'x', 'n').ui.status).toBe('Cancel aborted; run unchanged');
  });

  it('d, a and r (on a task with work) confirm with what happens to the work', () => {
    expect(type(ctx, select('conf'), 'd').ui.mode).toMatchObject({ question: 'Discard conf? Its work is archived. y/N' });
    expect(type(ctx, select('conf'), 'a').ui.mode).toMatchObject({ question: 'Accept conf without merging? Its change will not be in main. y/N' });
    expect(type(ctx, select('bad'), 'r').ui.mode).toMatchObject({ question: 'Retry bad from scratch? Its work is archived. y/N' });
    expect(type(ctx, select('conf'), 'd', 'y').effects).toEqual([{ kind: 'send', command: { action: 'discard', key: 'conf' } }]);
    expect(type(ctx, select('conf'), 'a', 'y').effects).toEqual([{ kind: 'send', command: { action: 'accept', key: 'conf' } }]);
    expect(type(ctx, select('bad'), 'r', 'y').effects).toEqual([{ kind: 'send', command: { action: 'retry', key: 'bad' } }]);
  });

  it('a confirmation and its answer in one burst still ask first', () => {
    expect(type(ctx, select('run'), 'xy').effects).toEqual([{ kind: 'send', command: { action: 'cancel', key: 'run' } }]);
    expect(type(ctx, select('run'), 'xn').effects).toEqual([]);
  });

  it('m requeues a task in review; R lets the agent resolve a conflict', () => {
    expect(type(ctx, select('conf'), 'm').effects).toEqual([{ kind: 'send', command: { action: 'requeue', key: 'conf' } }]);
    expect(type(ctx, select('conf'), 'R').effects).toEqual([{ kind: 'send', command: { action: 'resolve', key: 'conf' } }]);
    expect(type(ctx, select('gate'), 'R').effects).toEqual([]);
  });

  it('a key that cannot act on the task says why instead of sending', () => {
    const r = type(ctx, select('run'), 'm');
    expect(r.effects).toEqual([]);
    expect(r.ui.status).toBe('m: cannot requeue run: only a task in review or cancelled can be requeued; it is running');
    expect(type(ctx, select('done'), 'a').ui.status).toBe('a: cannot accept done: only a task in review, failed or cancelled can be accepted; it is queued');
    expect(type(ctx, select('gate'), 'R').ui.status).toBe('R: cannot resolve gate: only a task in review for a conflict can be resolved; it is in review for a failed gate check');
    expect(type(ctx, select('wait'), 'o').ui.status).toBe('o shell: not possible while wait is pending');
  });

  it('every task action has a key, labelled with the verb of its `fleet` command and enabled by the same rule', () => {
    const bound = BINDINGS.flatMap((b) => b.actions ?? []);
    expect([...bound].sort()).toEqual([...TASK_ACTIONS].sort());
    for (const key of ['run', 'wait', 'conf', 'gate', 'bad', 'done']) {
      const c = bindingContext(select(key), ctx);
      // The diff view's send key (revise) is judged inside that view, on the diffed task.
      for (const b of BINDINGS.filter((x) => x.actions && !x.mode)) {
        const action = labelOf(b, c) as TaskAction;
        expect(b.actions, `${b.keys[0]} on ${key}`).toContain(action);
        expect(enabledBindings(c).includes(b), `${b.keys[0]} on ${key}`).toBe(disabledReason(action, c.task!, ctx.state) === undefined);
      }
    }
  });

  it('o, e and l hand the terminal to a shell, the editor and the pager', () => {
    expect(type(ctx, select('conf'), 'o').effects).toEqual([{ kind: 'handoff', target: { kind: 'shell', cwd: worktreeOf('conf') } }]);
    expect(type(ctx, select('conf'), 'e').effects).toEqual([{ kind: 'handoff', target: { kind: 'editor', path: worktreeOf('conf') } }]);
    expect(type(ctx, select('conf'), 'l').effects).toEqual([{ kind: 'handoff', target: { kind: 'pager', file: '/state/logs/r1/conf/1/agent.log' } }]);
    expect(type(ctx, select('wait'), 'o').effects).toEqual([]);
  });

  it('keys after a handoff in the same burst are not applied to the old screen', () => {
    expect(type(ctx, select('conf'), 'oj').ui.selected).toBe('conf');
  });
});

describe('filter', () => {
  const ctx = fleet(added('api-users'), added('api-orders'), added('web'));

  it('/ then typing filters as you type; enter keeps it; esc clears it', () => {
    const typing = type(ctx, initialUi(), '/', 'w', 'e');
    expect(typing.ui.mode.kind).toBe('filter');
    expect(typing.ui.filter).toBe('we');
    expect(typing.ui.selected).toBe('web');
    const kept = type(ctx, typing.ui, '\r');
    expect(kept.ui).toMatchObject({ filter: 'we', mode: { kind: 'normal' } });
    expect(type(ctx, typing.ui, '\x1b').ui).toMatchObject({ filter: '', mode: { kind: 'normal' } });
  });

  it('letters while filtering are text, not commands; backspace deletes', () => {
    const r = type(ctx, initialUi(), '/', 'q', 'x', '\x7f', '\x7f', 'a', 'p', 'i');
    expect(r.effects).toEqual([]);
    expect(r.ui.filter).toBe('api');
  });

  it('esc clears a kept filter', () => {
    const kept = type(ctx, initialUi(), '/', 'w', '\r').ui;
    expect(type(ctx, kept, '\x1b').ui.filter).toBe('');
  });
});

describe('quit, detach, help', () => {
  it('q quits at once when nothing is at work', () => {
    const ctx = fleet(added('a'));
    expect(type(ctx, initialUi(), 'q').effects).toEqual([{ kind: 'exit', outcome: 'quit-stop' }]);
    expect(type(ctx, initialUi(), '\x03').effects).toEqual([{ kind: 'exit', outcome: 'quit-stop' }]);
  });

  it('q while agents run asks: s stops them, l leaves them running, esc stays', () => {
    const ctx = fleet(added('a'), ...started('a', ago(1000)));
    const asked = type(ctx, initialUi(), 'q');
    expect(asked.effects).toEqual([]);
    expect(asked.ui.mode).toMatchObject({
      kind: 'quit',
      question: '1 task at work. s stop agents and quit · l leave running (detach) · esc cancel',
    });
    expect(type(ctx, asked.ui, 's').effects).toEqual([{ kind: 'exit', outcome: 'quit-stop' }]);
    expect(type(ctx, asked.ui, 'l').effects).toEqual([{ kind: 'exit', outcome: 'detach' }]);
    const stay = type(ctx, asked.ui, '\x1b');
    expect(stay.effects).toEqual([]);
    expect(stay.ui.mode.kind).toBe('normal');
    expect(type(ctx, initialUi(), '\x03').ui.mode.kind).toBe('quit');
  });

  it('D detaches without asking', () => {
    const ctx = fleet(added('a'), ...started('a', ago(1000)));
    expect(type(ctx, initialUi(), 'D').effects).toEqual([{ kind: 'exit', outcome: 'detach' }]);
  });

  it('? opens the help; esc closes it and no other key acts meanwhile', () => {
    const ctx = fleet(added('a'), added('b'));
    const help = type(ctx, initialUi(), '?');
    expect(help.ui.mode.kind).toBe('help');
    expect(type(ctx, help.ui, 'j', 'x').ui).toEqual(help.ui);
    expect(type(ctx, help.ui, '\x1b').ui.mode.kind).toBe('normal');
  });
});

describe('output scrolling', () => {
  const view = new FakeView([added('a'), ...started('a', ago(1000)), added('b')]);
  view.print('a', ...Array.from({ length: 20 }, (_, i) => `line ${i + 1}`));
  const ctx = contextOf(view, 5);

  it('PgUp leaves the live tail for a snapshot a page back; PgDn back to the bottom follows again', () => {
    const back = type(ctx, select('a'), '\x1b[5~').ui;
    expect(back.scroll).toMatchObject({ follow: false, key: 'a', offset: 5 });
    expect(type(ctx, back, '\x1b[5~', '\x1b[5~', '\x1b[5~', '\x1b[5~').ui.scroll).toMatchObject({ offset: 15 });
    expect(type(ctx, back, '\x1b[6~').ui.scroll).toEqual({ follow: true });
  });

  it('C-u and C-d page like PgUp and PgDn', () => {
    const back = type(ctx, select('a'), '\x15').ui;
    expect(back.scroll).toMatchObject({ follow: false, offset: 5 });
    expect(type(ctx, back, '\x04').ui.scroll).toEqual({ follow: true });
  });

  it('f holds the output still and follows it again', () => {
    const held = type(ctx, select('a'), 'f').ui;
    expect(held.scroll).toMatchObject({ follow: false, offset: 0 });
    expect(type(ctx, held, 'f').ui.scroll).toEqual({ follow: true });
  });

  it('with the pane focused, j/k scroll a line and G returns to the tail', () => {
    const pane = type(ctx, select('a'), '\r', 'k', 'k', 'k').ui;
    expect(pane.scroll).toMatchObject({ offset: 3 });
    expect(pane.selected).toBe('a');
    expect(type(ctx, pane, 'G').ui.scroll).toEqual({ follow: true });
  });

  it('selecting another task shows its live tail', () => {
    const back = type(ctx, select('a'), '\x1b[5~').ui;
    expect(type(ctx, back, 'j').ui).toMatchObject({ selected: 'b', scroll: { follow: true } });
  });
});

describe('reduceKey', () => {
  it('is pure: the state it was given is untouched', () => {
    const ctx = fleet(added('a'), added('b'));
    const ui = initialUi();
    const copy = structuredClone(ui);
    reduceKey(ui, 'j', NO_KEY, ctx);
    expect(ui).toEqual(copy);
  });
});

describe('what needs you', () => {
  const view = new FakeView([
    added('run'), ...started('run', ago(60_000)),
    added('conf'), ...started('conf', ago(60_000)), ...review('conf', ago(1000), ['a.ts']),
    added('wait', 'run'),
    added('held'), ...started('held', ago(60_000)), { type: 'approval_awaited', key: 'held', attempt: 1, tip: 'abc', at: ago(500) },
    added('bad'), ...started('bad', ago(60_000)), ...failed('bad', ago(1000), 'check failed', 'boom'),
  ]);
  const ctx = contextOf(view);

  it('n selects the next task that needs you, round from the end; nothing needing you leaves n disabled', () => {
    expect(type(ctx, select('run'), 'n').ui.selected).toBe('conf');
    expect(type(ctx, select('conf'), 'n', 'n').ui.selected).toBe('bad');
    expect(type(ctx, select('bad'), 'n').ui.selected).toBe('conf');
    expect(type(fleet(added('a')), select('a'), 'n').ui.status).toBe('n next needing you: not possible while a is ready');
  });

  it('s orders the list by attention: needs you, at work, waiting, done; in DAG order within each', () => {
    expect(type(ctx, initialUi(), 's').ui.attention).toBe(true);
    expect(type(ctx, initialUi(), 's', 's').ui.attention).toBe(false);
    expect(attentionOrder(ctx.state, ctx.order).map((o) => o.key)).toEqual(['conf', 'held', 'bad', 'run', 'wait']);
  });

  it('A approves a task awaiting approval, and says why not elsewhere', () => {
    expect(type(ctx, select('held'), 'A').effects).toEqual([{ kind: 'send', command: { action: 'approve', key: 'held' } }]);
    expect(type(ctx, select('conf'), 'A').ui.status).toBe('A: cannot approve conf: only a task awaiting approval can be approved; it is in review for a conflict');
  });
});

describe('the help bar', () => {
  it('in the diff view shows every diff key in table order, whatever the list would show', () => {
    const ctx = fleet(added('a'));
    const diff = { key: 'a', what: 'branch fleet/a', lines: ['+x'], cursor: 0, comments: [] };
    const entries = barEntries(bindingContext({ ...select('a'), mode: { kind: 'diff', diff } }, ctx), 200);
    expect(entries.map((e) => `${e.keys} ${e.label}`)).toEqual(['↑↓ line', 'PgUp/PgDn page', 'g/G ends', 'n/N file', 'c comment', 'C general', 'u undo', 's revise', 'esc close']);
    expect(barEntries(bindingContext(select('a'), ctx), 200).map((e) => e.label)).toContain('quit');
  });
});
