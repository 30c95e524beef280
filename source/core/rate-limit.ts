// What fleet does when a provider refuses for a rate limit (docs/agents.md, "Rate limits"): the
// attempt waits and runs again, uncharged, and the run starts fewer agents at once for a while.
// Pure: time and randomness come in as arguments, so the policy is tested with simulated time.

export interface BackoffPolicy {
  /** The first wait; each consecutive rate limit of the same task doubles it. */
  baseMs: number;
  /** No single wait is longer. */
  maxMs: number;
  /** Rate limits in a row, for one task, before it is held for the user. */
  maxTries: number;
}

export const BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 10 * 60_000, maxTries: 6 };

/** How long the provider said the limit lasts (ms from now), from whichever form it gave. */
export function resetDelay(signal: { resetAt?: number; resetInMs?: number }, now: number): number | undefined {
  if (signal.resetAt !== undefined) return Math.max(0, signal.resetAt - now);
  return signal.resetInMs;
}

/**
 * The wait before try `tries + 1` of a task after its `tries`-th rate limit in a row, or
 * undefined when it should be held instead: too many in a row, or a reset further away than the
 * longest wait (a spent quota; waiting hours silently would look like a hang). A reported reset
 * is honoured (plus a tenth of it as jitter, 0.1–1 s, so tasks limited together do not return together);
 * without one the wait is exponential with "equal jitter": between half and all of the step.
 */
export function backoffDelay(tries: number, resetMs: number | undefined, random: number, policy: BackoffPolicy = BACKOFF): number | undefined {
  if (tries > policy.maxTries) return undefined;
  if (resetMs !== undefined) return resetMs > policy.maxMs ? undefined : Math.round(resetMs + random * Math.min(1000, Math.max(100, resetMs / 10)));
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (tries - 1));
  return Math.round(step / 2 + (random * step) / 2);
}

/** Agents allowed to run at once: `limit` is the run's concurrency, `effective` what rate limits leave of it. */
export interface Throttle {
  limit: number;
  effective: number;
  /** When `effective` last changed (halved or grown); growth waits for a clean minute after it. */
  changedAt: number;
}

export const CLEAN_INTERVAL_MS = 60_000;

export function throttle(limit: number, now: number): Throttle {
  return { limit, effective: limit, changedAt: now };
}

/** A rate limit halves what may run at once (at least one keeps going). */
export function onRateLimit(t: Throttle, now: number): Throttle {
  return { ...t, effective: Math.max(1, Math.floor(t.effective / 2)), changedAt: now };
}

/** One more slot per full minute without a rate limit (or growth), up to the limit. */
export function grow(t: Throttle, now: number): Throttle {
  if (t.effective >= t.limit || now - t.changedAt < CLEAN_INTERVAL_MS) return t;
  return { ...t, effective: t.effective + 1, changedAt: now };
}

/** When `grow` may next add a slot; undefined at the limit. */
export function nextGrowth(t: Throttle): number | undefined {
  return t.effective >= t.limit ? undefined : t.changedAt + CLEAN_INTERVAL_MS;
}
