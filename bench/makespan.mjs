// docs/design.md#performance-bars "Scheduling": makespan within 5% of the lower bound max(critical path, work/slots) on
// synthetic DAGs.
//
// Each DAG (seeded, so every run measures the same graphs): 30–60 tasks, each a `sleep` of
// 0.3–2 s then a one-file edit, with random dependencies on earlier tasks; concurrency 4, a tiny
// repo (so checkouts cost little), `fleet run --json`. Makespan = first attempt_started → last
// task_merged (node start-up excluded; it is in `wall`).
//
//   bound       max(critical path, total work / 4) from the sleep durations alone: the bar of
//               docs/design.md#performance-bars (no schedule can beat it).
//   zeroSim     a zero-overhead critical-path-first list-scheduling simulation of the same DAG and
//               sleep durations: the bar of the merge-queue issue. It weighs paths by the
//               durations, which no scheduler knows before the agents have run.
//   zeroSimFleetRule  the same, zero overhead, with the rule fleet follows (core/dag.ts
//               schedulingPriority: remaining path counted in tasks, ties in file order). Its
//               ratio is what fleet's per-task overhead costs; zeroSimFleetRule ÷ zeroSim is
//               what not knowing the durations costs.
//   fixedBound  the bound with fleet's measured fixed costs per task added (from the --json events
//               of this run): a slot is held from attempt_started to check_passed (worktree,
//               agent, commit, check) and dependents wait further for the merge (merge_started →
//               task_merged). This separates scheduling quality from per-task overhead.
//   simFifo / simCp  list-scheduling simulations with those same measured per-task times: ready
//               tasks in the order they became ready, and highest remaining critical path (by
//               duration) first. What a zero-cost scheduler would reach either way.
//
// env: MAKESPAN_DAGS ("30:0.5,45:1,60:1.5" = tasks:mean deps per task), SEED (7), SLOTS (4),
// MAKESPAN_TASK_S ("0.3:2": each task's sleep, uniform in seconds; "1:3" for the issue's "tasks ≥ 1 s").
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, median, perTask, tempRepo } from './lib.mjs';

function makeDag(n, meanDeps, random, [low, high]) {
  const tasks = [];
  for (let i = 0; i < n; i++) {
    const id = `t${String(i).padStart(2, '0')}`;
    const duration = Math.round((low + random() * (high - low)) * 20) / 20; // in 50 ms steps
    const deps = new Set();
    // Up to 3 dependencies on earlier tasks, biased towards recent ones (chains, not just fans).
    for (let d = 0; d < 3 && i > 0; d++) if (random() < meanDeps / 3) deps.add(`t${String(Math.max(0, i - 1 - Math.floor(random() * Math.min(i, 12)))).padStart(2, '0')}`);
    tasks.push({ id, duration, deps: [...deps] });
  }
  return tasks;
}

/** Longest path through the DAG, each task weighing weight(task); tasks are in topological order. */
function longestPath(tasks, weight) {
  const finish = new Map();
  for (const t of tasks) finish.set(t.id, Math.max(0, ...t.deps.map((d) => finish.get(d))) + weight(t));
  return Math.max(...finish.values());
}

/**
 * List scheduling on `slots` slots: a task holds a slot for slot(t); its dependents become ready
 * latency(t) after it started. `priority` orders the ready tasks (lower first).
 */
function simulate(tasks, slots, slot, latency, priority) {
  const done = new Map();
  const ready = [];
  const running = []; // { end, task }
  const readyAt = new Map();
  const remaining = new Map(tasks.map((t) => [t.id, t.deps.length]));
  const dependents = new Map(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of t.deps) dependents.get(d).push(t);
  let now = 0;
  let seq = 0;
  const release = [];
  for (const t of tasks) if (t.deps.length === 0) ready.push({ t, at: 0, seq: seq++ });
  let makespan = 0;
  while (ready.length || running.length || release.length) {
    ready.sort((a, b) => priority(a, b));
    while (running.length < slots && ready.length) {
      const { t } = ready.shift();
      running.push({ end: now + slot(t), t });
      release.push({ at: now + latency(t), t });
    }
    // Next event: a slot frees, or a task's merge makes dependents ready.
    const next = Math.min(...running.map((r) => r.end), ...release.map((r) => r.at));
    now = next;
    for (let i = running.length - 1; i >= 0; i--) if (running[i].end <= now) running.splice(i, 1);
    for (let i = release.length - 1; i >= 0; i--) {
      if (release[i].at > now) continue;
      const { t } = release.splice(i, 1)[0];
      done.set(t.id, now);
      makespan = Math.max(makespan, now);
      for (const dep of dependents.get(t.id)) {
        remaining.set(dep.id, remaining.get(dep.id) - 1);
        if (remaining.get(dep.id) === 0) {
          readyAt.set(dep.id, now);
          ready.push({ t: dep, at: now, seq: seq++ });
        }
      }
    }
  }
  return makespan;
}

function runFleet(dir, stateHome) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn('node', [CLI, 'run', '--json'], { cwd: dir, env: { ...process.env, XDG_STATE_HOME: stateHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve({ events: out.trim().split('\n').map((l) => JSON.parse(l)), wall: Date.now() - t0 }) : reject(new Error(`fleet exited ${code}: ${err}`))));
  });
}

async function measure(tasks, slots, root) {
  const r = tempRepo();
  const stateHome = join(root, 'state');
  mkdirSync(stateHome, { recursive: true });
  const lines = tasks.map((t) => `  - { id: ${t.id}, run: "sleep ${t.duration} && echo ${t.id} > ${t.id}.txt"${t.deps.length ? `, depends_on: [${t.deps.join(', ')}]` : ''} }`);
  writeFileSync(join(r.dir, 'fleet.yaml'), `version: 1\nconcurrency: ${slots}\ndefaults: { retries: 0 }\ntasks:\n${lines.join('\n')}\n`);
  writeFileSync(join(r.dir, '.git', 'info', 'exclude'), 'fleet.yaml\n');
  try {
    const { events, wall } = await runFleet(r.dir, stateHome);
    const at = new Map(tasks.map((t) => [t.id, {}]));
    for (const e of perTask(events)) if (e.key && at.has(e.key)) at.get(e.key)[e.type] ??= e.at;
    const problems = tasks.filter((t) => !at.get(t.id).task_merged).map((t) => `${t.id} not merged`);
    const start = Math.min(...tasks.map((t) => at.get(t.id).attempt_started));
    const end = Math.max(...tasks.map((t) => at.get(t.id).task_merged ?? 0));
    const e = (t) => at.get(t.id);
    const slotS = (t) => (e(t).check_passed - e(t).attempt_started) / 1000;
    const mergeS = (t) => (e(t).task_merged - e(t).merge_started) / 1000;
    const latencyS = (t) => slotS(t) + mergeS(t);
    const fifo = (a, b) => a.at - b.at || a.seq - b.seq;
    // Critical-path-first: the ready task with the longest path to the end goes first.
    const longestFirst = (weight, tie = (a, b) => a.seq - b.seq) => {
      const bottom = new Map();
      for (const t of [...tasks].reverse()) {
        const after = tasks.filter((x) => x.deps.includes(t.id)).map((x) => bottom.get(x.id));
        bottom.set(t.id, weight(t) + Math.max(0, ...after));
      }
      return (a, b) => bottom.get(b.t.id) - bottom.get(a.t.id) || tie(a, b);
    };
    const byCp = longestFirst(latencyS);
    const zeroSim = simulate(tasks, slots, (t) => t.duration, (t) => t.duration, longestFirst((t) => t.duration));
    const fileIndex = new Map(tasks.map((t, i) => [t.id, i]));
    const fleetRule = longestFirst(() => 1, (a, b) => fileIndex.get(a.t.id) - fileIndex.get(b.t.id));
    const zeroSimFleetRule = simulate(tasks, slots, (t) => t.duration, (t) => t.duration, fleetRule);
    const work = tasks.reduce((s, t) => s + t.duration, 0);
    const cp = longestPath(tasks, (t) => t.duration);
    const bound = Math.max(cp, work / slots);
    const fixedCp = longestPath(tasks, latencyS);
    const fixedWork = tasks.reduce((s, t) => s + slotS(t), 0);
    const fixedBound = Math.max(fixedCp, fixedWork / slots);
    const makespan = (end - start) / 1000;
    const overheadPerTask = tasks.map((t) => slotS(t) - t.duration);
    return {
      tasks: tasks.length,
      edges: tasks.reduce((s, t) => s + t.deps.length, 0),
      makespan: r2(makespan),
      wall: r2(wall / 1000),
      criticalPath: r2(cp),
      workPerSlot: r2(work / slots),
      bound: r2(bound),
      ratio: r2(makespan / bound),
      zeroSim: r2(zeroSim),
      simRatio: r2(makespan / zeroSim),
      zeroSimFleetRule: r2(zeroSimFleetRule),
      fleetRuleRatio: r2(makespan / zeroSimFleetRule),
      slotOverheadMedian: r2(median(overheadPerTask)),
      // where the slot overhead goes (medians, s): worktree + spawn, agent beyond its sleep, commit + check
      overheadSteps: {
        worktree: r2(median(tasks.map((t) => (e(t).agent_started - e(t).attempt_started) / 1000))),
        agentBeyondSleep: r2(median(tasks.map((t) => (e(t).agent_exited - e(t).agent_started) / 1000 - t.duration))),
        commitCheck: r2(median(tasks.map((t) => (e(t).check_passed - e(t).agent_exited) / 1000))),
        queueWait: r2(median(tasks.map((t) => (e(t).merge_started - e(t).check_passed) / 1000))),
        merge: r2(median(tasks.map(mergeS))),
        cleanupInQueue: r2(median(tasks.map((t) => (e(t).cleanup_done - e(t).task_merged) / 1000))),
      },
      fixedBound: r2(fixedBound),
      fixedBy: fixedCp >= fixedWork / slots ? 'critical path' : 'work/slots',
      fixedRatio: r2(makespan / fixedBound),
      simFifo: r2(simulate(tasks, slots, slotS, latencyS, fifo)),
      simCp: r2(simulate(tasks, slots, slotS, latencyS, byCp)),
      problems,
    };
  } finally {
    rmSync(r.root, { recursive: true, force: true });
  }
}

const r2 = (x) => Math.round(x * 100) / 100;

export async function makespan(opts = {}) {
  const dags = (opts.dags ?? process.env.MAKESPAN_DAGS ?? '30:0.5,45:1,60:1.5').split(',').map((s) => s.split(':').map(Number));
  const slots = opts.slots ?? Number(process.env.SLOTS ?? 4);
  const seconds = (opts.seconds ?? process.env.MAKESPAN_TASK_S ?? '0.3:2').split(':').map(Number);
  let seed = opts.seed ?? Number(process.env.SEED ?? 7);
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const started = Date.now();
  const results = [];
  for (const [n, meanDeps] of dags) {
    const root = join(tmpdir(), `fleet-bench-makespan-${process.pid}`);
    try {
      results.push({ dag: `${n} tasks, ~${meanDeps} deps each`, ...(await measure(makeDag(n, meanDeps, random, seconds), slots, root)) });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const problems = results.flatMap((r) => [
    ...r.problems,
    ...(r.ratio > 1.05 ? [`${r.dag}: makespan ${r.makespan} s is ${r.ratio}× the bound ${r.bound} s (> 1.05)`] : []),
    ...(r.simRatio > 1.05 ? [`${r.dag}: makespan ${r.makespan} s is ${r.simRatio}× the zero-overhead critical-path-first schedule ${r.zeroSim} s (> 1.05)`] : []),
  ]);
  return { slots, taskSeconds: seconds, dags: results, seconds: Math.round((Date.now() - started) / 1000), problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await makespan();
  console.log(JSON.stringify(result, null, 1));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
