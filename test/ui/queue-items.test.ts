import { describe, expect, it } from 'vitest';
import { packQueue, queueItems, type QueueItem } from '../../source/ui/queue-items.js';
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
