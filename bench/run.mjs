// `npm run bench`: every benchmark, one JSON line each, then a summary to paste into RESULTS.md.
import { chaos } from './chaos.mjs';
import { machine } from './lib.mjs';
import { plan } from './plan.mjs';

console.log(`machine: ${machine()}`);
console.log(`date: ${new Date().toISOString()}`);
const planned = plan();
console.log(`plan: ${JSON.stringify(planned)}`);
const crashed = await chaos();
console.log(`chaos: ${JSON.stringify(crashed)}`);
process.exitCode = crashed.problems.length > 0 || planned.medianMs > 1000 ? 1 : 0;
