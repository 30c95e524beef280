import { describe, expect, it } from 'vitest';
import { bisect, nextSplit, searchBoundary, type BisectionGates, type BisectionVerdict } from '../../source/core/bisect.js';

/** A gate that fails whenever the tree holds every member of one of the `bad` sets. */
function simulate(n: number, bad: number[][], flakyFirst = false) {
  let runs = 1; // the batch's own failing run
  let landed = 0;
  let flakesLeft = flakyFirst ? 0 : Infinity;
  const fails = (members: number[]) => {
    runs++;
    if (flakesLeft === 0) return false;
    return bad.some((set) => set.every((m) => members.includes(m)));
  };
  const range = (count: number) => Array.from({ length: count }, (_, i) => i);
  const gates: BisectionGates = {
    prefix: async (count) => !fails(range(count)),
    withPrefix: async (suspect, count) => !fails([...range(count), suspect]),
    rerun: async (suspect) => !fails([...range(suspect), suspect]),
    land: async (count) => {
      landed = count;
    },
  };
  return bisect(n, gates).then((verdict: BisectionVerdict) => {
    // The members after the culprit go back to the queue: their batch is one more run.
    const rest = n - 1 - verdict.suspect;
    return { verdict, runs: runs + (rest > 0 ? 1 : 0), landed };
  });
}

const bound = (n: number) => 2 * Math.ceil(Math.log2(n)) + 1;

describe('nextSplit', () => {
  it('halves by powers of two and stops at one option', () => {
    expect(nextSplit(0, 16)).toBe(8);
    expect(nextSplit(0, 15)).toBe(8);
    expect(nextSplit(8, 9)).toBeUndefined();
    expect(searchBoundary(0, 16, (i) => i >= 11).tests).toHaveLength(4);
  });

  it('finds every boundary of a monotone test', () => {
    for (let n = 1; n <= 40; n++) {
      for (let answer = 1; answer <= n; answer++) {
        expect(searchBoundary(0, n, (i) => i >= answer).answer).toBe(answer);
        expect(searchBoundary(-1, n, (i) => i >= answer - 1, (o) => (o === 0 ? 2 : 1)).answer).toBe(answer - 1);
      }
    }
  });
});

describe('bisect', () => {
  it(`isolates one failing task within 2⌈log₂ n⌉ + 1 gate runs, counting the batch, the confirmation and the rest`, async () => {
    for (let n = 2; n <= 64; n++) {
      for (let culprit = 0; culprit < n; culprit++) {
        const { verdict, runs, landed } = await simulate(n, [[culprit]]);
        expect(verdict).toEqual({ kind: 'culprit', suspect: culprit, partners: [] });
        expect(landed).toBe(culprit);
        expect(runs, `n=${n} culprit=${culprit}`).toBeLessThanOrEqual(bound(n));
      }
    }
  });

  it('a batch of one is blamed only after a second failing run', async () => {
    const { verdict, runs } = await simulate(1, [[0]]);
    expect(verdict).toEqual({ kind: 'culprit', suspect: 0, partners: [] });
    expect(runs).toBe(2);
  });

  it('names the one partner of a pair that fails only together, never the whole prefix', async () => {
    for (let n = 2; n <= 24; n++) {
      for (let b = 1; b < n; b++) {
        for (let a = 0; a < b; a++) {
          const { verdict, landed } = await simulate(n, [[a, b]]);
          expect(verdict, `n=${n} pair ${a}+${b}`).toEqual({ kind: 'culprit', suspect: b, partners: [a] });
          expect(landed).toBe(b);
        }
      }
    }
  });

  it('finds the hidden pair of the queue benchmark (4th and 11th of 16) within 10 gate runs', async () => {
    const { verdict, runs } = await simulate(16, [[3, 10]]);
    expect(verdict).toEqual({ kind: 'culprit', suspect: 10, partners: [3] });
    expect(runs).toBeLessThanOrEqual(10);
  });

  it('lets a task through, as flaky, when the failure does not come back', async () => {
    const { verdict, landed } = await simulate(8, [[7]], true);
    expect(verdict).toEqual({ kind: 'flaky', suspect: 7 });
    expect(landed).toBe(7);
  });
});
