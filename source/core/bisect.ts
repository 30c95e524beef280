// Where a failing batch's bisection tests next (docs/merge-queue.md, Bisection). Both searches
// look for a boundary: the smallest i in (lo, hi] whose test fails, knowing that hi fails and lo
// passes (or, for lo = -1, that nothing is known below). Splits follow powers of two over the
// options' weights, so an option of weight w is isolated within ⌈log₂ W⌉ - log₂ w + 1 tests.

/** The option to test next, or undefined once (lo, hi] holds one option: the answer is hi. */
export function nextSplit(lo: number, hi: number, weight: (option: number) => number = () => 1): number | undefined {
  if (hi - lo <= 1) return undefined;
  let total = 0;
  for (let i = lo + 1; i <= hi; i++) total += weight(i);
  let half = 1;
  while (half * 2 < total) half *= 2;
  // The left part takes as much weight as fits in half of the next power of two, and never hi.
  let left = 0;
  let split = lo;
  for (let i = lo + 1; i < hi; i++) {
    if (left + weight(i) > half && split > lo) break;
    left += weight(i);
    split = i;
    if (left >= half) break;
  }
  return split;
}

/**
 * The partner search tests the suspect on top of the first j tasks of its batch; j = 0 is the
 * suspect alone. That option weighs double: a task that fails on its own (the common case) is
 * found one test sooner, which keeps one culprit within 2⌈log₂ n⌉ + 1 gate runs.
 */
export function partnerWeight(option: number): number {
  return option === 0 ? 2 : 1;
}

/** Runs a boundary search to its end with a synchronous test: for simulations and tests. */
export function searchBoundary(lo: number, hi: number, fails: (option: number) => boolean, weight?: (option: number) => number): { answer: number; tests: number[] } {
  const tests: number[] = [];
  for (let split = nextSplit(lo, hi, weight); split !== undefined; split = nextSplit(lo, hi, weight)) {
    tests.push(split);
    if (fails(split)) hi = split;
    else lo = split;
  }
  return { answer: hi, tests };
}

/** What a bisection asks of the queue; members are numbered in stack order from 0. */
export interface BisectionGates {
  /** Gates the first `count` members stacked on the batch's base. */
  prefix(count: number): Promise<boolean>;
  /** Gates member `suspect` on top of the first `count` members (0: the suspect alone on the batch's base). */
  withPrefix(suspect: number, count: number): Promise<boolean>;
  /** Gates `suspect` again on the current base, which by then holds every member before it. */
  rerun(suspect: number): Promise<boolean>;
  /** The first `count` members passed together: they may land now. */
  land(count: number): Promise<void>;
  /** The suspect is known: the members after it need not wait for the partner search. */
  isolated?(suspect: number): Promise<void> | void;
}

export type BisectionVerdict =
  /** `suspect` fails the gate, alone (no partners) or only together with `partners`. */
  | { kind: 'culprit'; suspect: number; partners: number[] }
  /** The failure did not come back when `suspect` was gated again: it may land. */
  | { kind: 'flaky'; suspect: number };

/**
 * Isolates the first culprit of a batch of `n` whose gate failed. Members before it land as soon
 * as a prefix holding them passes; members after it go back to the queue (the caller's next batch
 * gates them). A culprit is blamed only after a second failing run holding it and its partners.
 */
export async function bisect(n: number, gates: BisectionGates): Promise<BisectionVerdict> {
  let lo = 0;
  let hi = n;
  for (let count = nextSplit(lo, hi); count !== undefined; count = nextSplit(lo, hi)) {
    if (await gates.prefix(count)) {
      await gates.land(count);
      lo = count;
    } else hi = count;
  }
  const suspect = hi - 1;
  await gates.isolated?.(suspect);
  // hi < n: the prefix search saw it fail again after the batch did; hi = n: only the batch did.
  const failedAgainInPrefix = hi < n;
  let pLo = -1;
  let pHi = suspect;
  let failedAgainWithPartners = false;
  for (let count = nextSplit(pLo, pHi, partnerWeight); count !== undefined; count = nextSplit(pLo, pHi, partnerWeight)) {
    if (await gates.withPrefix(suspect, count)) pLo = count;
    else {
      pHi = count;
      failedAgainWithPartners = true;
    }
  }
  const partners = pHi === 0 ? [] : [pHi - 1];
  const confirmed = failedAgainWithPartners || failedAgainInPrefix;
  if (!confirmed && (await gates.rerun(suspect))) return { kind: 'flaky', suspect };
  return { kind: 'culprit', suspect, partners };
}
