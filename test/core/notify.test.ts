import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../source/core/events.js';
import { COALESCE_MS, noticeDriver, NoticeCoalescer, terminalBytes, type Notice, type NoticeClock } from '../../source/core/notify.js';
import { emptyRun, reduce, type RunState } from '../../source/core/state.js';

// Time is simulated: the coalescer is told the time, and the driver's clock is a fake one.

type Ev = FleetEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> : never) : never;

function run(...keys: string[]): RunState {
  let state = emptyRun('r1', '/f');
  for (const key of keys) {
    state = reduce(state, { type: 'task_added', at: 0, task: { key, id: key, project: 'repo', title: key, dependsOn: [], agent: 'run', base: 'main', retries: 0 } });
  }
  return state;
}

const apply = (state: RunState, ...events: Ev[]): RunState => events.reduce((s, e) => reduce(s, { ...e, at: 1 } as FleetEvent), state);
const review = (key: string): Ev => ({ type: 'review', key, reason: 'no_changes', message: 'm', paths: [], tail: '' });
const failed = (key: string): Ev => ({ type: 'attempt_failed', key, attempt: 1, phase: 'check', message: 'm', tail: '', willRetry: false });
const stopped: Ev = { type: 'run_stopped', reason: 'idle', exitCode: 1 };

describe('coalescing notices', () => {
  it('a burst within 5 s is one notice, announced when the burst is 5 s old', () => {
    let state = run('a', 'b', 'c');
    const c = new NoticeCoalescer(state);
    state = apply(state, review('a'));
    expect(c.observe(state, 1000)).toEqual([]);
    state = apply(state, failed('b'), { type: 'approval_awaited', key: 'c', attempt: 1, tip: 'abc' });
    expect(c.observe(state, 1900)).toEqual([]);
    expect(c.dueAt).toBe(1000 + COALESCE_MS);
    expect(c.take(1000 + COALESCE_MS - 1)).toEqual([]);
    const [notice, ...rest] = c.take(1000 + COALESCE_MS);
    expect(rest).toEqual([]);
    expect(notice).toEqual({
      event: 'needs_you',
      taskIds: 'a b c',
      state: 'review failed awaiting_approval',
      message: '3 tasks need you: a (in review), b (failed), c (awaiting approval)',
    });
    expect(c.dueAt).toBeUndefined();
    expect(c.take(1e9)).toEqual([]);
  });

  it("a run held at its budget cap calls the user for the ready tasks it holds, not for those still blocked", () => {
    let state = run('a', 'b');
    state = { ...state, tasks: { ...state.tasks, b: { ...state.tasks.b!, dependsOn: ['a'] } } };
    const c = new NoticeCoalescer(state);
    state = apply(state, { type: 'budget_exceeded', scope: 'run', spent: { usd: 0, tokens: 900 }, cap: { tokens: 500 } });
    c.observe(state, 0);
    expect(c.take(COALESCE_MS)).toEqual([
      { event: 'needs_you', taskIds: 'a', state: 'held_budget', message: 'a needs you: held (budget), raise it with `fleet budget`' },
    ]);
    // Raised: a is no longer held, so it no longer needs the user.
    state = apply(state, { type: 'budget_changed', tokens: 5000 });
    c.observe(state, COALESCE_MS + 1);
    state = apply(state, { type: 'budget_exceeded', scope: 'run', spent: { usd: 0, tokens: 9000 }, cap: { tokens: 5000 } });
    c.observe(state, COALESCE_MS + 2);
    expect(c.take(3 * COALESCE_MS).map((n) => n.taskIds)).toEqual(['a']);
  });

  it('a cap raised but still below the spend keeps the run held: no second notice for the same tasks', () => {
    let state = run('a');
    const c = new NoticeCoalescer(state);
    state = apply(state, { type: 'budget_exceeded', scope: 'run', spent: { usd: 0, tokens: 900 }, cap: { tokens: 500 } });
    c.observe(state, 0);
    expect(c.take(COALESCE_MS)).toHaveLength(1);
    state = apply(state, { type: 'task_added', task: { key: 'x', id: 'x', project: 'repo', title: 'x', dependsOn: [], agent: 'run', base: 'main', retries: 0 } });
    state = { ...state, tasks: { ...state.tasks, a: { ...state.tasks.a!, spend: { usd: 0, tokens: 900 } } } };
    state = apply(state, { type: 'budget_changed', tokens: 800 });
    expect(state.budgetHeld).toBe(true);
    c.observe(state, COALESCE_MS + 1);
    expect(c.take(3 * COALESCE_MS).map((n) => n.taskIds)).toEqual(['x']);
  });

  it('the run end flushes the pending burst first, then says the run ended; only once', () => {
    let state = run('a', 'b');
    const c = new NoticeCoalescer(state);
    state = apply(state, review('a'));
    c.observe(state, 0);
    state = apply(state, stopped);
    const notices = c.observe(state, 10);
    expect(notices.map((n) => n.event)).toEqual(['needs_you', 'run_end']);
    expect(notices[0]!.message).toBe('a needs you: in review');
    expect(notices[1]).toMatchObject({ taskIds: '', state: 'idle', message: 'fleet run r1 ended (idle): 0 of 2 merged, 1 need you' });
    expect(c.observe(state, 20)).toEqual([]);
    expect(c.take(1e9)).toEqual([]);
  });

  it('what needed the user before it looked is no news; a task that needs them again is', () => {
    let state = apply(run('a', 'b'), review('a'));
    const c = new NoticeCoalescer(state);
    state = apply(state, { type: 'task_requeued', key: 'a' }, review('b'));
    c.observe(state, 0);
    expect(c.take(COALESCE_MS).map((n) => n.taskIds)).toEqual(['b']);
    state = apply(state, review('a'));
    c.observe(state, COALESCE_MS + 1);
    expect(c.take(2 * COALESCE_MS + 1).map((n) => n.taskIds)).toEqual(['a']);
  });

  it('a task dealt with before its burst is due drops out of it; an emptied burst says nothing', () => {
    let state = run('a');
    const c = new NoticeCoalescer(state);
    state = apply(state, review('a'));
    c.observe(state, 0);
    state = apply(state, { type: 'task_requeued', key: 'a' });
    c.observe(state, 100);
    expect(c.dueAt).toBeUndefined();
    expect(c.take(COALESCE_MS)).toEqual([]);
  });

  it('a run resumed already stopped does not announce its end again', () => {
    const state = apply(run('a'), stopped);
    expect(new NoticeCoalescer(state).observe(state, 0)).toEqual([]);
  });
});

describe('the driver on a simulated clock', () => {
  function fakeClock(): NoticeClock & { advance(ms: number): void } {
    let now = 0;
    let timers: { at: number; fn: () => void; id: number }[] = [];
    let next = 0;
    return {
      now: () => now,
      setTimer: (fn, ms) => {
        timers.push({ at: now + ms, fn, id: ++next });
        return next;
      },
      clearTimer: (id) => (timers = timers.filter((t) => t.id !== id)),
      advance(ms) {
        now += ms;
        for (const t of timers.filter((t) => t.at <= now)) {
          timers = timers.filter((x) => x !== t);
          t.fn();
        }
      },
    };
  }

  it('sends one notice per burst when its timer fires, and the end at once', () => {
    const clock = fakeClock();
    const sent: Notice[] = [];
    let state = run('a', 'b', 'c');
    const driver = noticeDriver(state, clock, (n) => sent.push(n));
    for (const key of ['a', 'b', 'c']) {
      state = apply(state, review(key));
      driver.update(state);
      clock.advance(300);
    }
    expect(sent).toEqual([]);
    clock.advance(COALESCE_MS);
    expect(sent.map((n) => n.message)).toEqual(['3 tasks need you: a (in review), b (in review), c (in review)']);
    state = apply(state, stopped);
    driver.update(state);
    expect(sent.map((n) => n.event)).toEqual(['needs_you', 'run_end']);
    driver.stop();
  });
});

describe('terminal bytes', () => {
  const notice: Notice = { event: 'needs_you', taskIds: 'a', state: 'review', message: 'a needs you\x07\x1b]0;evil' };
  it('bell is BEL; osc adds an OSC 9 whose text cannot end it early; off is nothing', () => {
    expect(terminalBytes(notice, 'bell')).toBe('\x07');
    expect(terminalBytes(notice, 'osc')).toBe('\x07\x1b]9;a needs you  ]0;evil\x07');
    expect(terminalBytes(notice, 'off')).toBe('');
  });
});
