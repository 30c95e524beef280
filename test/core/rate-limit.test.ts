import { describe, expect, it } from 'vitest';
import { backoffDelay, BACKOFF, grow, nextGrowth, onRateLimit, resetDelay, throttle } from '../../source/core/rate-limit.js';

describe('backoff after a rate limit', () => {
  it('doubles per rate limit in a row, with jitter between half and all of the step, capped', () => {
    const low = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, undefined, 0));
    const high = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, undefined, 1));
    expect(high).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000]);
    expect(low).toEqual(high.map((d) => d! / 2));
    const capped = backoffDelay(3, undefined, 1, { baseMs: 10_000, maxMs: 25_000, maxTries: 9 });
    expect(capped).toBe(25_000);
  });

  it('holds the task after too many in a row, or when the reset is further than the longest wait', () => {
    expect(backoffDelay(BACKOFF.maxTries + 1, undefined, 0.5)).toBeUndefined();
    expect(backoffDelay(1, BACKOFF.maxMs + 1, 0.5)).toBeUndefined();
  });

  it('honours a reported reset, plus a tenth of it (0.1 to 1 s) as jitter', () => {
    expect(backoffDelay(1, 90_000, 0)).toBe(90_000);
    expect(backoffDelay(5, 90_000, 1)).toBe(91_000);
    expect(backoffDelay(1, 0, 0)).toBe(0);
    expect(backoffDelay(1, 0, 1)).toBe(100);
    expect(backoffDelay(1, 2_000, 1)).toBe(2_200);
  });

  it('reads a reset as a time or as a delay', () => {
    expect(resetDelay({ resetAt: 5_000 }, 2_000)).toBe(3_000);
    expect(resetDelay({ resetAt: 1_000 }, 2_000)).toBe(0);
    expect(resetDelay({ resetInMs: 700 }, 2_000)).toBe(700);
    expect(resetDelay({}, 2_000)).toBeUndefined();
  });
});

describe('effective concurrency', () => {
  it('halves on each rate limit, never below one', () => {
    let t = throttle(8, 0);
    t = onRateLimit(t, 10);
    expect(t.effective).toBe(4);
    t = onRateLimit(onRateLimit(onRateLimit(t, 20), 30), 40);
    expect(t.effective).toBe(1);
  });

  it('grows back by one per clean minute, up to the limit', () => {
    let t = onRateLimit(throttle(3, 0), 1_000);
    expect(t.effective).toBe(1);
    expect(grow(t, 60_999)).toBe(t);
    expect(nextGrowth(t)).toBe(61_000);
    t = grow(t, 61_000);
    expect(t.effective).toBe(2);
    // A minute is counted from the last change: a late check does not grow twice.
    expect(grow(t, 120_000).effective).toBe(2);
    t = grow(t, 121_000);
    expect(t.effective).toBe(3);
    expect(nextGrowth(t)).toBeUndefined();
    expect(grow(t, 999_999)).toBe(t);
  });

  it('restarts the clean minute at a new rate limit', () => {
    let t = onRateLimit(throttle(4, 0), 0);
    t = onRateLimit(t, 50_000);
    expect(grow(t, 60_000).effective).toBe(1);
    expect(grow(t, 110_000).effective).toBe(2);
  });
});
