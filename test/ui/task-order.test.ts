import { describe, expect, it } from 'vitest';
import { emptyRun } from '../../source/core/state.js';
import { displayOrder, visibleKeys } from '../../source/ui/model/task-order.js';
import { added, ago, FakeView, review, started, taskInfo } from './fake-view.js';

describe('the task list order', () => {
  it('keeps each chain together, dependencies first, indented by depth', () => {
    const view = new FakeView([added('e2e', 'ui', 'docs'), added('schema'), added('ui', 'endpoints'), added('endpoints', 'schema'), added('docs')]);
    expect(displayOrder(view.getState())).toEqual([
      { key: 'schema', depth: 0 },
      { key: 'endpoints', depth: 1 },
      { key: 'ui', depth: 2 },
      { key: 'docs', depth: 0 },
      { key: 'e2e', depth: 3 },
    ]);
  });

  it('is file order for a file written in dependency order', () => {
    const view = new FakeView([added('a'), added('b', 'a'), added('c'), added('d', 'b', 'c')]);
    expect(displayOrder(view.getState()).map((o) => o.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('copes with a 20000-deep chain written backwards (no recursion)', () => {
    const n = 20_000;
    const state = emptyRun();
    for (let i = 0; i < n; i++) {
      const key = `t${i}`;
      state.order.push(key);
      const deps = i === n - 1 ? [] : [`t${i + 1}`];
      state.tasks[key] = { ...taskInfo(key, ...deps), state: 'pending', paused: false, attempt: 0, since: 0, archives: [] };
    }
    const order = displayOrder(state);
    expect(order[0]).toEqual({ key: `t${n - 1}`, depth: 0 });
    expect(order[n - 1]).toEqual({ key: 't0', depth: n - 1 });
  });

  it('filters on key, title, agent and state word, ignoring case', () => {
    const view = new FakeView([added('api-users'), added('web'), ...started('web', ago(1000)), ...review('web', ago(10), ['x'])]);
    const state = view.getState();
    const order = displayOrder(state);
    expect(visibleKeys(state, order, 'USERS')).toEqual(['api-users']);
    expect(visibleKeys(state, order, 'review')).toEqual(['web']);
    expect(visibleKeys(state, order, 'do web')).toEqual(['web']);
    expect(visibleKeys(state, order, '')).toEqual(['api-users', 'web']);
  });
});
