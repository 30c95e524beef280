// "Did you mean": the closest known word by edit distance, plus the names other tools use for
// the same idea (a GitHub Actions user writes `needs`, a Makefile user writes `deps`).

const SYNONYMS: Readonly<Record<string, string>> = {
  needs: 'depends_on',
  deps: 'depends_on',
  dependencies: 'depends_on',
  after: 'depends_on',
  requires: 'depends_on',
  cmd: 'run',
  command: 'run',
  script: 'run',
  parallel: 'concurrency',
  parallelism: 'concurrency',
  jobs: 'concurrency',
  workers: 'concurrency',
  name: 'title',
  description: 'title',
  branch: 'base',
  test: 'check',
  tests: 'check',
  install: 'setup',
  retry: 'retries',
  attempts: 'retries',
  timeout_ms: 'timeout',
  dir: 'path',
  directory: 'path',
  repo: 'path',
};

/** Edit distance, or `limit + 1` as soon as it is certain to exceed `limit` (keeps large files fast). */
export function levenshtein(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Uint32Array(b.length + 1).map((_, j) => j);
  let row = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (row[j]! < best) best = row[j]!;
    }
    if (best > limit) return limit + 1;
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}

/** The known word the user most likely meant, or undefined when nothing is close enough. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  // Edit distance is quadratic; a hostile 1 MB key must not stall validation.
  if (word.length > 100) return undefined;
  const lower = word.toLowerCase();
  const synonym = Object.hasOwn(SYNONYMS, lower) ? SYNONYMS[lower] : undefined;
  if (synonym !== undefined && known.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const allowed = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3));
    const distance = levenshtein(lower, candidate.toLowerCase(), Math.min(allowed, bestDistance - 1));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string, ready to append to a message. */
export function didYouMean(word: string, known: readonly string[]): string {
  const match = suggest(word, known);
  return match === undefined ? '' : ` (did you mean ${JSON.stringify(match)}?)`;
}
