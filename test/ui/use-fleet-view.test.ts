import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThrottledView } from '../../source/ui/hooks/use-fleet-view.js';
import { added, ago, FakeView, started } from './fake-view.js';

describe('render throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a flood of changes into at most one render per interval, the last change included', () => {
    const view = new FakeView([added('a'), ...started('a', ago(1000))]);
    const throttled = new ThrottledView(view, 66);
    let renders = 0;
    const unsubscribe = throttled.subscribe(() => renders++);
    const first = throttled.getSnapshot();

    for (let i = 0; i < 1000; i++) view.print('a', `line ${i}`);
    expect(renders).toBe(1); // the first change shows at once
    vi.advanceTimersByTime(65);
    expect(renders).toBe(1);
    vi.advanceTimersByTime(1);
    expect(renders).toBe(2); // the rest of the burst, once

    view.emit({ type: 'task_paused', at: ago(0), key: 'a' });
    vi.advanceTimersByTime(66);
    expect(throttled.getSnapshot().state.tasks.a!.paused).toBe(true);
    expect(renders).toBe(3);

    vi.advanceTimersByTime(1000);
    expect(renders).toBe(3); // quiet: no renders
    unsubscribe();
    view.print('a', 'after');
    vi.advanceTimersByTime(1000);
    expect(renders).toBe(3);
    expect(first.version).toBe(0);
  });

  it('keeps the same snapshot object between publishes', () => {
    const view = new FakeView([added('a')]);
    const throttled = new ThrottledView(view, 66);
    throttled.subscribe(() => {});
    expect(throttled.getSnapshot()).toBe(throttled.getSnapshot());
  });
});
