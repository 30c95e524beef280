import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { stripSgr } from '../../source/core/text.js';
import { AgentPane } from '../../source/ui/components/AgentPane.js';
import { Header } from '../../source/ui/components/Header.js';
import { MergeQueue } from '../../source/ui/components/MergeQueue.js';
import { TaskList } from '../../source/ui/components/TaskList.js';
import { packQueue, queueItems } from '../../source/ui/model/queue-items.js';
import { displayOrder } from '../../source/ui/model/task-order.js';
import { FOLLOW, type Scroll } from '../../source/ui/model/ui-state.js';
import { added, ago, failed, FakeView, merged, NOW, queued, review, started } from './fake-view.js';
import './harness.js';

/** The run of docs/ui.md's picture. */
function pictureRun(): FakeView {
  return new FakeView([
    added('schema'), ...started('schema', ago(600_000)), ...queued('schema', ago(300_000)), ...merged('schema', ago(200_000)),
    added('endpoints', 'schema'), ...started('endpoints', ago(133_000)),
    added('ui', 'endpoints'),
    added('docs'), ...started('docs', ago(500_000)), ...review('docs', ago(100_000), ['README.md', 'docs/api.md']),
    added('e2e', 'ui'),
  ]);
}

describe('Header', () => {
  it('names the repo and base, counts running, merged and review, and shows the time', () => {
    const view = pictureRun();
    const { lastFrame } = render(<Header info={view.info()} state={view.getState()} now={NOW} width={100} />);
    expect(lastFrame()).toContain('fleet · repo api (main) · 1/4 running · 1 merged · 1 need you · 1 review');
    expect(lastFrame()).toContain('12:04');
  });
});

describe('TaskList', () => {
  const list = (view: FakeView, selected: string, height = 12, width = 40) => {
    const state = view.getState();
    const order = displayOrder(state);
    return render(
      <TaskList state={state} order={order} total={order.length} selected={selected} critical={new Set(view.info().criticalPath)}
        filter="" focused now={NOW} width={width} height={height} />,
    ).lastFrame()!;
  };

  it('shows each task with glyph, state word and elapsed time, in dependency order', () => {
    const frame = list(pictureRun(), 'endpoints');
    const lines = frame.split('\n');
    expect(lines[0]).toContain('TASKS 5');
    expect(lines[1]).toBe(' ✓▸schema              merged     6m40s');
    expect(lines[2]).toBe('›● ▸endpoints          running    2m13s');
    expect(lines[3]).toBe(' ○  ▸ui                pending');
  });

  it('says why a task waits or stopped, under it', () => {
    const frame = list(pictureRun(), 'schema');
    expect(frame).toContain('  └ needs endpoints');
    expect(frame).toContain('└ conflicts with main');
  });

  it('marks the critical path and predicted conflicts', () => {
    const view = pictureRun();
    view.emit({ type: 'conflict_predicted', at: ago(1), key: 'endpoints', paths: ['src/db.ts'] });
    const frame = list(view, 'schema');
    expect(frame).toContain('● ▸endpoints          running    2m13s⚠');
    expect(frame).toContain('└ ⚠ will conflict: src/db.ts');
    expect(frame).toMatch(/ ⚠ docs/); // not on the critical path: no ▸
  });

  it('scrolls to keep the selection in view, saying how many rows are above and below', () => {
    const view = new FakeView(Array.from({ length: 120 }, (_, i) => added(`task-${String(i).padStart(3, '0')}`)));
    const frame = list(view, 'task-100', 10);
    const lines = frame.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('TASKS 120 ↑92 ↓19');
    expect(lines[9]).toContain('›◎ task-100');
  });
});

describe('AgentPane', () => {
  const pane = (view: FakeView, key: string, options: { scroll?: Scroll; actions?: string[]; colour?: boolean; height?: number } = {}) =>
    render(
      <AgentPane state={view.getState()} taskKey={key} lines={(k, n) => view.getLines(k, n)} scroll={options.scroll ?? FOLLOW}
        actions={options.actions ?? []} focused={false} colour={options.colour ?? false} now={NOW} width={90} height={options.height ?? 12} />,
    ).lastFrame()!;

  it('titles the task with state, agent, attempt and elapsed time, then streams its output', () => {
    const view = pictureRun();
    view.print('endpoints', '> Reading src/db/schema.ts', '> Editing src/routes/users.ts');
    const frame = pane(view, 'endpoints');
    expect(frame).toContain('● endpoints · running · 2m13s · claude · attempt 1 · Do endpoints');
    expect(frame).toContain('following');
    expect(frame).toContain('> Reading src/db/schema.ts\n> Editing src/routes/users.ts');
  });

  it('draws lines it fits itself and lines Ink must cut in their order, each cut at the pane width', () => {
    const view = pictureRun();
    view.print('endpoints', 'a'.repeat(200), '日本'.repeat(100), '', `\x1b[31m${'c'.repeat(200)}`, 'done');
    const frame = pane(view, 'endpoints', { colour: true }).split('\n').map(stripSgr);
    const rows = frame.slice(frame.findIndex((r) => r.startsWith('aaa')), frame.indexOf('done') + 1);
    expect(rows.map((r) => r.trimEnd())).toEqual([`${'a'.repeat(89)}…`, `${'日本'.repeat(22)}日…`, '', `${'c'.repeat(89)}…`, 'done']);
  });

  it('for a conflict shows the reason, the conflicting paths, the worktree and the next steps', () => {
    const frame = pane(pictureRun(), 'docs', { actions: ['m requeue', 'r retry', 'o shell', 'a accept', 'd discard', 'l log', 'e editor'] });
    expect(frame).toContain('⚠ review (conflict): conflicts with main');
    expect(frame).toContain('conflicting paths (2):\n  README.md\n  docs/api.md');
    expect(frame).toContain('worktree /work/api.worktrees/docs');
    expect(frame).toContain('next: m requeue · r retry · o shell · a accept · d discard · l log · e editor');
  });

  it('for a failed gate check shows the end of the check output', () => {
    const view = new FakeView([added('a'), ...started('a', ago(9000)), ...review('a', ago(10), [], 'gate_failed', 'ok 1\nnot ok 2 - users\n')]);
    expect(pane(view, 'a')).toContain('⚠ review (gate check failed): the gate check failed\n  ok 1\n  not ok 2 - users');
  });

  it('for a failed task shows the failure and the last lines of its tail that fit', () => {
    const tail = Array.from({ length: 30 }, (_, i) => `tail ${i + 1}`).join('\n');
    const view = new FakeView([added('a'), ...started('a', ago(9000)), ...failed('a', ago(10), 'check exited with 1', tail)]);
    const frame = pane(view, 'a', { height: 12 });
    expect(frame).toContain('✗ failed in check: check exited with 1\n  … 25 more\n  tail 26\n  tail 27\n  tail 28\n  tail 29\n  tail 30\nworktree /work/api.worktrees/a\n');
    expect(frame).not.toContain('tail 25\n');
  });

  it('follows the live tail, or holds the snapshot where the user scrolled', () => {
    const view = pictureRun();
    view.print('endpoints', ...Array.from({ length: 50 }, (_, i) => `line ${i + 1}`));
    expect(pane(view, 'endpoints', { height: 5 }).split('\n').slice(1)).toEqual(['line 47', 'line 48', 'line 49', 'line 50']);
    const held: Scroll = { follow: false, key: 'endpoints', lines: view.getLines('endpoints'), offset: 10 };
    view.print('endpoints', 'line 51');
    const frame = pane(view, 'endpoints', { height: 5, scroll: held });
    expect(frame.split('\n').slice(1)).toEqual(['line 37', 'line 38', 'line 39', 'line 40']);
    expect(frame).toContain('held ↑10 · f follows');
  });

  it('stays inside a narrow pane, scrolled back or not', () => {
    const view = pictureRun();
    view.print('endpoints', ...Array.from({ length: 50 }, (_, i) => `line ${i + 1} ${'w'.repeat(40)}`));
    const held: Scroll = { follow: false, key: 'endpoints', lines: view.getLines('endpoints'), offset: 12345 };
    for (const scroll of [FOLLOW, held]) {
      const frame = render(
        <AgentPane state={view.getState()} taskKey="endpoints" lines={(k, n) => view.getLines(k, n)} scroll={scroll}
          actions={[]} focused={false} colour={false} now={NOW} width={25} height={6} />,
      ).lastFrame()!;
      for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(25);
    }
  });

  it('keeps agent colours only when colour is on', () => {
    const view = pictureRun();
    view.print('endpoints', '\x1b[31mred\x1b[0m plain');
    expect(pane(view, 'endpoints', { colour: true })).toContain('\x1b[31mred');
    expect(pane(view, 'endpoints', { colour: false })).toContain('red plain');
  });
});

describe('MergeQueue', () => {
  it('shows what merges, what waits and what conflicted, on one line', () => {
    const view = pictureRun();
    view.emit(added('auth'), ...started('auth', ago(900)), ...queued('auth', ago(500)), { type: 'merge_started', at: ago(50), key: 'auth', base: 'main' });
    view.emit(added('billing'), ...started('billing', ago(900)), ...queued('billing', ago(400)));
    const lines = packQueue(queueItems(view.getState()), 100, 1);
    const frame = render(<MergeQueue lines={lines} width={100} height={1} />).lastFrame()!;
    expect(frame.split('\n')[1]).toBe('MERGE QUEUE  ▶ auth (merging) · billing (queued) · ⚠ docs conflict: README.md, docs/api.md');
  });
});

describe('structured agent progress in the UI', () => {
  it('shows the current action under a running task and the totals in its pane', () => {
    const view = new FakeView([
      added('endpoints'),
      ...started('endpoints', ago(60_000)),
      { type: 'agent_progress', at: ago(1000), key: 'endpoints', attempt: 1, action: 'Edit src/routes/users.ts', turns: 3, tokens: { input: 12000, output: 400 }, costUsd: 0.042 },
    ]);
    const state = view.getState();
    const order = displayOrder(state);
    const listFrame = render(
      <TaskList state={state} order={order} total={order.length} selected="endpoints" critical={new Set()} filter="" focused now={NOW} width={48} height={8} />,
    ).lastFrame()!;
    expect(listFrame).toContain('└ Edit src/routes/users.ts');
    const pane = render(
      <AgentPane state={state} taskKey="endpoints" lines={() => []} scroll={FOLLOW} focused={false} colour={false} actions={[]} now={NOW} width={80} height={10} />,
    ).lastFrame()!;
    expect(pane).toContain('Edit src/routes/users.ts · 3 turns · 12.4k tokens · $0.04');
  });
});
