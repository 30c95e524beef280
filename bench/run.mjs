// `npm run bench`: every benchmark (or those named in BENCH=plan,chaos,overhead,makespan,ui-load),
// one JSON line each, then a summary to paste into RESULTS.md. Exit 1 when any misses its bar.
import { chaos } from './chaos.mjs';
import { machine } from './lib.mjs';
import { makespan } from './makespan.mjs';
import { overhead } from './overhead.mjs';
import { plan } from './plan.mjs';
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
};

const wanted = (process.env.BENCH ?? Object.keys(BENCHMARKS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

console.log(`machine: ${machine()}`);
console.log(`date: ${new Date().toISOString()}`);
const missed = [];
for (const name of wanted) {
  const result = await BENCHMARKS[name]();
  console.log(`${name}: ${JSON.stringify(result)}`);
  if (result.problems?.length) missed.push(`${name}: ${result.problems.join('; ')}`);
}
if (missed.length > 0) console.log(`missed bars:\n  ${missed.join('\n  ')}`);
process.exitCode = missed.length > 0 ? 1 : 0;
