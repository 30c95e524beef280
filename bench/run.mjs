// `npm run bench`: every benchmark, or only those named (`npm run bench -- queue replay`, or
// BENCH=queue,replay), one JSON line each, then the bars missed. Exit 1 when any misses its bar.
import { loadavg } from 'node:os';
import { candidates } from './candidates.mjs';
import { chaos } from './chaos.mjs';
import { machine } from './lib.mjs';
import { makespan } from './makespan.mjs';
import { overhead } from './overhead.mjs';
import { plan } from './plan.mjs';
import { queue } from './queue.mjs';
import { replay } from './replay.mjs';
import { uiLoad } from './ui-load.mjs';

const BENCHMARKS = {
  plan: async () => {
    const r = plan();
    return { ...r, problems: r.medianMs > 1000 ? [`median ${r.medianMs} ms > 1 s`] : [] };
  },
  chaos,
  overhead,
  makespan,
  'ui-load': uiLoad,
  queue,
  replay,
  candidates,
};

const named = process.argv.slice(2).join(',') || process.env.BENCH;
const wanted = (named ?? Object.keys(BENCHMARKS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

console.log(`machine: ${machine()}`);
console.log(`date: ${new Date().toISOString()}`);
// The machine is shared: a busy one shows here (the ratios are side by side, the absolute times are not).
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const missed = [];
for (const name of wanted) {
  const result = await BENCHMARKS[name]();
  console.log(`${name}: ${JSON.stringify(result)}`);
  if (result.problems?.length) missed.push(`${name}: ${result.problems.join('; ')}`);
}
if (missed.length > 0) console.log(`missed bars:\n  ${missed.join('\n  ')}`);
process.exitCode = missed.length > 0 ? 1 : 0;
