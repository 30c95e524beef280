// The merge queue under a slow check: 16 independent `run:` tasks (each writes its own file),
// `check: sleep 5`, concurrency 16, so all 16 own checks pass at about the same moment and
// everything after that is the queue's (gating the merged results, landing them).
//
//   single       one task alone with the same check: the floor for the whole run (start-up, one
//                task, one check, close), measured in the same run as the others.
//   independent  the 16 tasks. queueMs = last task's own check_passed → last task_merged.
//   pair         the same, but the check also fails when both files of one hidden pair exist
//                (QUEUE_PAIR, t04 and t11): each passes its own check, their merged result does
//                not. Expected: 15 merged, one of the pair in review ("the culprit").
//
// Gate runs are counted two ways: `candidate_built` events with gate: true, and a line the check
// itself appends to a file outside the repository whenever FLEET_GATE=1 is in its environment
// (fleet sets it only for the check on the merged result). The second counts every gate run
// however the queue reports it (a batch, a bisection step); the bars use it. Events whose type
// mentions a batch or a bisection are counted too, by type.
//
// Bars: independent: queue ≤ 12 s, whole run ≤ 40 s; pair: 15 merged, the culprit (one of the
// pair) in review, ≤ 10 gate runs.
//
// env: QUEUE_VARIANTS (single,independent,pair), QUEUE_TASKS (16), QUEUE_CHECK_S (5),
// QUEUE_PAIR (t04,t11).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempRepo, timed } from './lib.mjs';

const id = (i) => `t${String(i + 1).padStart(2, '0')}`;

async function measure(variant, n, checkS, pair) {
  const r = tempRepo();
  try {
    const gates = join(r.root, 'gates.log');
    writeFileSync(gates, '');
    const stateHome = join(r.root, 'state');
    mkdirSync(stateHome);
    const together = variant === 'pair' ? ` && ! { [ -f ${pair[0]}.txt ] && [ -f ${pair[1]}.txt ]; }` : '';
    const check = `if [ "$FLEET_GATE" = 1 ]; then echo "$FLEET_TASK_ID" >> '${gates}'; fi; sleep ${checkS}${together}`;
    const count = variant === 'single' ? 1 : n;
    const tasks = Array.from({ length: count }, (_, i) => `  - { id: ${id(i)}, run: "echo ${id(i)} > ${id(i)}.txt" }`);
    // JSON strings are valid YAML double-quoted scalars.
    writeFileSync(join(r.dir, 'fleet.yaml'), `version: 1\nconcurrency: ${n}\ndefaults: { retries: 0, check: ${JSON.stringify(check)} }\ntasks:\n${tasks.join('\n')}\n`);
    writeFileSync(join(r.dir, '.git', 'info', 'exclude'), 'fleet.yaml\n');
    // A run that leaves a task in review exits 1: that is the pair variant's expected end.
    const run = await timed('node', [CLI, 'run', '--headless', '--json'], { cwd: r.dir, env: { ...process.env, XDG_STATE_HOME: stateHome } }, [0, 1]);
    const events = run.out.trim().split('\n').map((l) => JSON.parse(l));

    const ownCheck = new Map(); // key → its own check_passed (the first one)
    const outcome = new Map(); // key → its last merged/review event
    for (const e of events) {
      if (e.type === 'check_passed' && !ownCheck.has(e.key)) ownCheck.set(e.key, e.at);
      if (e.type === 'task_merged' || e.type === 'review') outcome.set(e.key, e);
    }
    const merged = [...outcome.values()].filter((e) => e.type === 'task_merged').map((e) => e.key);
    const review = [...outcome.values()].filter((e) => e.type === 'review').map((e) => `${e.key} (${e.reason})`);
    const lastCheck = Math.max(...ownCheck.values());
    const queueEnd = Math.max(...[...outcome.values()].map((e) => e.at));
    const at = (type) => events.find((e) => e.type === type)?.at;
    const eventTypes = {};
    for (const e of events) if (/batch|bisect/i.test(e.type)) eventTypes[e.type] = (eventTypes[e.type] ?? 0) + 1;
    return {
      variant,
      tasks: count,
      exitCode: run.code,
      wallMs: Math.round(run.ms),
      runMs: at('run_stopped') - at('run_started'),
      queueMs: queueEnd - lastCheck,
      // first attempt_started → last own check passed: the part no queue can shorten
      toLastCheckMs: lastCheck - at('attempt_started'),
      gateRuns: readFileSync(gates, 'utf8').split('\n').filter(Boolean).length,
      gatedCandidates: events.filter((e) => e.type === 'candidate_built' && e.gate).length,
      batchEvents: eventTypes,
      merged: merged.length,
      review,
      cpuMs: Math.round(run.cpuMs),
    };
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
}

export async function queue(opts = {}) {
  const variants = (opts.variants ?? process.env.QUEUE_VARIANTS ?? 'single,independent,pair').split(',').map((s) => s.trim());
  const n = opts.tasks ?? Number(process.env.QUEUE_TASKS ?? 16);
  const checkS = opts.checkS ?? Number(process.env.QUEUE_CHECK_S ?? 5);
  const pair = (opts.pair ?? process.env.QUEUE_PAIR ?? 't04,t11').split(',');
  const started = Date.now();
  const results = {};
  for (const variant of variants) results[variant] = await measure(variant, n, checkS, pair);
  const problems = [];
  const s = (ms) => `${Math.round(ms / 100) / 10} s`;
  const ind = results.independent;
  if (ind) {
    if (ind.merged !== n) problems.push(`independent: ${ind.merged} of ${n} merged`);
    if (ind.queueMs > 12_000) problems.push(`independent: queue ${s(ind.queueMs)} > 12 s`);
    if (ind.wallMs > 40_000) problems.push(`independent: whole run ${s(ind.wallMs)} > 40 s`);
  }
  const p = results.pair;
  if (p) {
    if (p.merged !== n - 1) problems.push(`pair: ${p.merged} merged, expected ${n - 1}`);
    if (p.review.length !== 1 || !pair.some((k) => p.review[0].startsWith(`${k} `))) problems.push(`pair: in review ${JSON.stringify(p.review)}, expected one of ${pair.join(', ')}`);
    if (p.gateRuns > 10) problems.push(`pair: ${p.gateRuns} gate runs > 10`);
  }
  return { concurrency: n, checkS, hiddenPair: pair, ...results, seconds: Math.round((Date.now() - started) / 1000), problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await queue();
  console.log(JSON.stringify(result, null, 1));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
