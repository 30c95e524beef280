import { describe, expect, it } from 'vitest';
import { helpSections } from '../../source/ui/keys/key-help.js';
import { BINDINGS, keysOf } from '../../source/ui/keys/keymap.js';
import { added, ago, FakeView, queued, review, started, worktreeOf } from './fake-view.js';
import { frameFits, KEYS, renderApp, resize, tick } from './harness.js';

/** schema running, docs in review (conflict), e2e pending behind both. */
function run(): FakeView {
  return new FakeView([
    added('schema'), ...started('schema', ago(133_000)),
    added('docs'), ...started('docs', ago(500_000)), ...review('docs', ago(100_000), ['README.md', 'docs/api.md']),
    added('e2e', 'schema', 'docs'),
  ]);
}

/** The frame line that lists `key` in the task list (the list is the left column). */
const listLine = (frame: string, key: string) => frame.split('\n').find((l) => new RegExp(`^.[^ ]\\s*▸?${key}\\b`).test(l));

describe('acting on tasks', () => {
  it('p pauses the selected running task and shows the engine answer', async () => {
    const app = renderApp(run());
    await app.press('p');
    expect(app.view.sent).toEqual([{ action: 'pause', key: 'schema' }]);
    await tick();
    expect(app.frame()).toContain('schema: pause done');
  });

  it('P pauses all new starts', async () => {
    const app = renderApp(run());
    await app.press('P');
    expect(app.view.sent).toEqual([{ action: 'pause-all' }]);
  });

  it('x asks in place of the help bar and cancels only after y', async () => {
    const app = renderApp(run());
    await app.press('x');
    expect(app.frame().split('\n').at(-1)).toBe('Cancel schema? Its work so far is kept. y/N');
    expect(app.view.sent).toEqual([]);
    await app.press('y');
    expect(app.view.sent).toEqual([{ action: 'cancel', key: 'schema' }]);
    expect(app.frame().split('\n').at(-1)).toContain('↑↓ select');
  });

  it('any other key than y aborts the cancel', async () => {
    const app = renderApp(run());
    await app.press('x', 'j');
    expect(app.view.sent).toEqual([]);
    expect(app.frame()).toContain('Cancel aborted; schema unchanged');
    expect(listLine(app.frame(), 'schema')).toMatch(/^›/);
  });

  it('d, a and r confirm before acting on a task in review', async () => {
    const app = renderApp(run());
    await app.press('j');
    for (const [key, question, action] of [
      ['d', 'Discard docs? Its work is archived. y/N', 'discard'],
      ['a', 'Accept docs without merging? Its change will not be in main. y/N', 'accept'],
      ['r', 'Retry docs from scratch? Its work is archived. y/N', 'retry'],
    ] as const) {
      await app.press(key);
      expect(app.frame()).toContain(question);
      await app.press('y');
      expect(app.view.sent.at(-1)).toEqual({ action, key: 'docs' });
    }
  });

  it('m sends a task in review back to the merge queue', async () => {
    const app = renderApp(run());
    await app.press('j', 'm');
    expect(app.view.sent).toEqual([{ action: 'requeue', key: 'docs' }]);
  });

  it('o, e and l hand the terminal over with the worktree and the log', async () => {
    const app = renderApp(run());
    await app.press('j', 'o', 'e', 'l');
    expect(app.handoffs).toEqual([
      { kind: 'shell', cwd: worktreeOf('docs') },
      { kind: 'editor', path: worktreeOf('docs') },
      { kind: 'pager', file: '/state/logs/r1/docs/1/agent.log' },
    ]);
  });
});

describe('reading the screen', () => {
  it('a task in review shows its conflicting paths and what can be done', async () => {
    const app = renderApp(run());
    await app.press('j');
    const frame = app.frame();
    expect(frame).toContain('⚠ review (conflict): conflicts with main');
    expect(frame).toContain('conflicting paths (2):');
    expect(frame).toContain('  README.md');
    expect(frame).toContain('next: m requeue · R resolve · r retry · v diff · o shell · l log\n');
    expect(frame).toContain('      a accept · d discard');
    expect(frame).toContain('MERGE QUEUE  ⚠ docs conflict: README.md, docs/api.md');
  });

  it('/ filters the list as you type; enter keeps the filter, esc clears it', async () => {
    const app = renderApp(run());
    await app.press('/', 'd', 'o', 'c');
    expect(app.frame()).toContain('TASKS 1 of 3 matching "doc"');
    expect(listLine(app.frame(), 'docs')).toBeDefined();
    expect(listLine(app.frame(), 'schema')).toBeUndefined();
    expect(app.frame().split('\n').at(-1)).toContain('/doc');
    await app.press(KEYS.enter);
    expect(app.frame()).toContain('TASKS 1 of 3 matching "doc"');
    await app.press(KEYS.esc);
    expect(app.frame()).toContain('TASKS 3');
    expect(listLine(app.frame(), 'docs')).toMatch(/^›/);
  });

  it('? shows every key of every mode, actions named as the CLI names them; esc closes it', async () => {
    const app = renderApp(run(), { columns: 160, rows: 60 });
    await app.press('?');
    const frame = app.frame();
    for (const binding of BINDINGS) expect(frame).toContain(keysOf(binding, 'overlay'));
    for (const section of helpSections()) expect(frame).toContain(section.title);
    expect(frame).toContain('requeue: back to the merge queue');
    expect(frame).toContain('resolve: let the agent resolve the conflict in its worktree');
    await app.press(KEYS.esc);
    expect(app.frame()).toContain('TASKS 3');
  });

  it('the help bar offers the keys that work on the selected task', async () => {
    const app = renderApp(run());
    expect(app.frame().split('\n').at(-1)).toBe('↑↓ select  enter focus  p pause  x cancel  v diff  o shell  ? help  q quit');
    await app.press('j');
    expect(app.frame().split('\n').at(-1)).toBe('↑↓ select  enter focus  m requeue  R resolve  r retry  v diff  ? help  q quit');
  });

  it('q while agents run asks whether to stop them or leave them running', async () => {
    const app = renderApp(run());
    await app.press('q');
    expect(app.frame()).toContain('1 task at work. s stop agents and quit · l leave running (detach) · esc cancel');
    expect(app.exits).toEqual([]);
    await app.press('l');
    expect(app.exits).toEqual(['detach']);
  });

  it('Ctrl-C is q', async () => {
    const app = renderApp(run());
    await app.press(KEYS.ctrlC, 's');
    expect(app.exits).toEqual(['quit-stop']);
  });
});

describe('output', () => {
  const printing = () => {
    const view = run();
    view.print('schema', ...Array.from({ length: 100 }, (_, i) => `line ${i + 1}`));
    return view;
  };

  it('follows the live output of the selected task', async () => {
    const app = renderApp(printing());
    expect(app.frame()).toContain('line 100');
    app.view.print('schema', 'line 101');
    await tick(100);
    expect(app.frame()).toContain('line 101');
  });

  it('PgUp holds the output a page back while more arrives; f follows again', async () => {
    const app = renderApp(printing());
    await app.press(KEYS.pgUp);
    expect(app.frame()).not.toContain('line 100');
    expect(app.frame()).toContain('line 83');
    expect(app.frame()).toContain('held ↑17 · f follows');
    app.view.print('schema', 'line 101');
    await tick(100);
    expect(app.frame()).not.toContain('line 101');
    await app.press('f');
    expect(app.frame()).toContain('line 101');
    expect(app.frame()).toContain('following');
  });

  it('no output line is drawn wider than the terminal', async () => {
    const view = run();
    view.print('schema', 'x'.repeat(500), `${'wide '.repeat(60)}end`);
    const app = renderApp(view);
    await tick();
    expect(frameFits(app.frame(), 100, 24)).toMatchObject({ ok: true });
    expect(app.frame()).toContain('xxxxxxxx…');
  });
});

describe('size', () => {
  const many = () => {
    const events = [];
    for (let i = 0; i < 150; i++) {
      const key = `task-${String(i).padStart(3, '0')}-with-a-rather-long-name`;
      events.push(i % 3 === 0 ? added(key) : added(key, `task-${String(i - 1).padStart(3, '0')}-with-a-rather-long-name`));
      if (i % 5 === 0) events.push(...started(key, ago(60_000)));
      if (i % 10 === 0) events.push(...queued(key, ago(1000)));
    }
    return new FakeView(events);
  };

  for (const [columns, rows] of [[80, 24], [100, 24], [250, 70]] as const) {
    it(`150 tasks fit a ${columns}×${rows} terminal, and G scrolls to the last`, async () => {
      const app = renderApp(many(), { columns, rows });
      await tick();
      expect(frameFits(app.frame(), columns, rows)).toEqual({ lines: rows - 1, widest: expect.any(Number), ok: true });
      await app.press('G');
      expect(frameFits(app.frame(), columns, rows).ok).toBe(true);
      expect(app.frame()).toMatch(/\n›. +▸?task-149/);
    });
  }

  it('follows a resize: narrower, then much larger, never overflowing', async () => {
    const app = renderApp(many());
    await tick();
    resize(app.stdout, 80, 24);
    await tick();
    expect(frameFits(app.frame(), 80, 24)).toEqual({ lines: 23, widest: expect.any(Number), ok: true });
    resize(app.stdout, 250, 70);
    await tick();
    expect(frameFits(app.frame(), 250, 70)).toEqual({ lines: 69, widest: expect.any(Number), ok: true });
    expect(app.frame()).toContain('MERGE QUEUE  task-000-with-a-rather-long-name (queued) · task-010');
  });

  it('at the smallest size (40×10) long names, states and paths still fit', async () => {
    const view = run();
    view.emit(added('a-very-long-task-name-that-goes-on-and-on'), { type: 'attempt_started', at: ago(5000), key: 'a-very-long-task-name-that-goes-on-and-on', attempt: 1 });
    view.print('schema', 'y'.repeat(300));
    const app = renderApp(view, { columns: 40, rows: 10 });
    await tick();
    expect(frameFits(app.frame(), 40, 10)).toEqual({ lines: 9, widest: 40, ok: true });
    await app.press('G');
    expect(app.frame()).toContain('preparing');
    for (const key of ['g', KEYS.pgUp, KEYS.enter, '?', KEYS.esc, '/', 'x', KEYS.esc, 'x', 'q']) {
      await app.press(key);
      expect(frameFits(app.frame(), 40, 10), `after ${JSON.stringify(key)}`).toMatchObject({ lines: 9, ok: true });
    }
  });

  it('a terminal too small says so instead of drawing a broken layout', async () => {
    const app = renderApp(run(), { columns: 30, rows: 8 });
    await tick();
    expect(app.frame().trimEnd()).toBe('too small for fleet (40×10)');
  });
});
