import { describe, expect, it } from 'vitest';
import { queueNote } from '../../source/core/selectors.js';
import { packQueue, queueItems, type QueueItem } from '../../source/ui/model/queue-items.js';
import { added, ago, FakeView, queued, review, started } from './fake-view.js';

describe('the merge queue line', () => {
  it('lists what merges first, then the queue by check-pass time, then conflicts', () => {
    const view = new FakeView([
      added('late'), ...started('late', ago(900)), ...queued('late', ago(100)),
      added('early'), ...started('early', ago(900)), ...queued('early', ago(300)),
      added('auth'), ...started('auth', ago(900)), ...queued('auth', ago(500)),
      { type: 'merge_started', at: ago(50), key: 'auth', base: 'main' },
      { type: 'candidate_built', at: ago(40), key: 'auth', candidate: 'c1', base: 'main', gate: true },
      added('docs'), ...started('docs', ago(900)), ...review('docs', ago(10), ['README.md']),
      { type: 'merge_waiting', at: ago(5), key: 'late', reason: 'main is checked out with local changes' },
    ]);
    expect(queueItems(view.getState()).map((i) => i.text)).toEqual([
      '▶ auth (gate check)',
      'early (queued)',
      'late (waiting: main is checked out with local changes)',
      '⚠ docs conflict: README.md',
    ]);
  });

  it('shows a batch as one item, a speculative batch beside it, and a bisection with its split', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const events = ids.flatMap((id) => [added(id), ...started(id, ago(900)), ...queued(id, ago(500))]);
    const batch = (n: number, keys: string[], speculative = false) => ({
      type: 'batch_started' as const, at: ago(40), project: 'default', batch: n, base: 'main', onto: 'o', tip: 't', keys, gate: true, speculative,
    });
    const gating = new FakeView([...events, batch(1, ['a', 'b', 'c']), batch(2, ['d', 'e'], true)]);
    expect(queueItems(gating.getState()).map((i) => i.text).slice(0, 3)).toEqual(['▶ gating 3 (batch)', '▶ gating 2 (stacked)', 'f (queued)']);
    const bisecting = new FakeView([
      ...events,
      batch(3, ids),
      { type: 'batch_result', at: ago(30), project: 'default', batch: 3, keys: ids, passed: false, message: 'x' },
      { type: 'bisect_step', at: ago(20), project: 'default', batch: 3, step: 'prefix', tested: ids.slice(0, 4), passed: true },
    ]);
    expect(queueItems(bisecting.getState()).map((i) => i.text)).toEqual(['▶ bisecting 4 | 4']);
    // `fleet status` explains the wait in words.
    expect(queueNote(gating.getState().tasks.e!)).toBe('in batch 2 (2 tasks): gate check running, stacked on the batch ahead of it');
    expect(queueNote(bisecting.getState().tasks.h!)).toBe('batch 3 (8 tasks) failed its gate; bisecting (gate run holds 4 of 8)');
    const deferred = new FakeView([...events, { type: 'merge_deferred', at: ago(1), key: 'a', reason: 'main moved while its batch was gated' }]);
    expect(queueNote(deferred.getState().tasks.a!)).toBe('back in the queue: main moved while its batch was gated');
  });

  it('fills lines up to the width and ends the last one with "+N more"', () => {
    const items: QueueItem[] = Array.from({ length: 10 }, (_, i) => ({ text: `task-${i} (queued)`, tone: 'waiting' }));
    const lines = packQueue(items, 60, 2);
    expect(lines).toHaveLength(2);
    const text = lines.map((l) => l.map((i) => i.text).join(' · '));
    expect(text[0]).toBe('task-0 (queued) · task-1 (queued)');
    expect(text[1]).toBe('task-2 (queued) · task-3 (queued) · +6 more');
    expect(text[1]!.length).toBeLessThanOrEqual(60);
  });

  it('an empty queue is one empty line', () => {
    expect(packQueue([], 80, 3)).toEqual([[]]);
  });
});
