// Replay of a real repository's recent history as a DAG: the last 40 commits of sindresorhus/ky
// (MIT; bench/data/ky/, built by replay-vendor.mjs). Each commit is a `run:` task that applies its
// `git format-patch` file with `git apply` (no check); a task depends on the latest earlier
// patch touching each of its files (the same order as depending on every earlier one that does).
//
//   script — bash, serially in the patches' order (a topological order): `git worktree add -b`,
//            `git apply`, `git add -A && git commit`, `git merge --no-ff` in the main checkout,
//            `git worktree remove`, `git branch -D`: what fleet does per task, minus the queue.
//   fleet  — `fleet run --headless --json -j 4` on the same DAG.
//
// Both start from a fresh clone of the bundled base commit; each run is checked: main's tree is
// ky's tip tree (without media/), 40 merge commits, no worktree or fleet/* branch left. Runs are
// interleaved (script, fleet, script, …), median of RUNS (3), plus `pairedRatio` (each fleet run
// over the script run just before it). One more untimed round through a counting git wrapper
// gives git processes per task for both.
//
// env: RUNS (3), REPLAY_TMP (/dev/shm when present), REPLAY_J (4).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, gitCounter, median, timed } from './lib.mjs';

const DATA = new URL('data/ky/', import.meta.url).pathname;

const SCRIPT = `set -e
while read -r id; do
  wt="../repo.worktrees/$id"
  git worktree add -q -b "fleet/$id" "$wt" main
  git -C "$wt" apply "$PATCHES/$id.patch"
  git -C "$wt" add -A
  git -C "$wt" commit -q -m "$id"
  git merge -q --no-ff -m "Merge fleet task $id" "fleet/$id"
  git worktree remove "$wt"
  git branch -q -D "fleet/$id"
done < "$ORDER"
`;

function clone(root) {
  const dir = join(root, 'repo');
  execFileSync('git', ['clone', '-q', '-b', 'main', join(DATA, 'base.bundle'), dir]);
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('config', 'user.name', 'Fleet Bench');
  git('config', 'user.email', 'bench@fleet.invalid');
  git('config', 'gc.auto', '0');
  // A clone of a bundle keeps the bundle as its origin; nothing here needs it.
  git('remote', 'remove', 'origin');
  writeFileSync(join(dir, '.git', 'info', 'exclude'), 'fleet.yaml\n');
  return { dir, git };
}

function verify(git, dag) {
  const problems = [];
  const tree = git('rev-parse', 'main^{tree}');
  if (tree !== dag.expectedTree) problems.push(`main's tree is ${tree}, ky's tip is ${dag.expectedTree}`);
  const merges = git('rev-list', '--first-parent', '--merges', '--count', 'main');
  if (Number(merges) !== dag.tasks.length) problems.push(`${merges} merge commits on main, expected ${dag.tasks.length}`);
  if (git('for-each-ref', 'refs/heads/fleet/') !== '') problems.push('fleet/* branches left');
  if ((git('worktree', 'list', '--porcelain').match(/^worktree /gm) ?? []).length !== 1) problems.push('worktrees left');
  if (git('status', '--porcelain', '--untracked-files=no') !== '') problems.push('main checkout not clean');
  return problems;
}

async function scriptRun(root, dag, env) {
  const { git } = clone(root);
  const order = join(root, 'order.txt');
  writeFileSync(order, `${dag.tasks.map((t) => t.id).join('\n')}\n`);
  const r = await timed('bash', ['-c', SCRIPT], { cwd: join(root, 'repo'), env: { ...env, ORDER: order, PATCHES: join(DATA, 'patches') } });
  return { ms: r.ms, cpuMs: r.cpuMs, problems: verify(git, dag) };
}

async function fleetRun(root, dag, j, env) {
  const { dir, git } = clone(root);
  const lines = dag.tasks.map((t) => {
    const deps = t.deps.length ? `, depends_on: [${t.deps.join(', ')}]` : '';
    // JSON strings are valid YAML double-quoted scalars: safe for any subject.
    return `  - { id: ${t.id}, title: ${JSON.stringify(t.subject)}, run: ${JSON.stringify(`git apply ${join(DATA, 'patches', `${t.id}.patch`)}`)}${deps} }`;
  });
  writeFileSync(join(dir, 'fleet.yaml'), `version: 1\ndefaults: { retries: 0 }\ntasks:\n${lines.join('\n')}\n`);
  const stateHome = join(root, 'state');
  mkdirSync(stateHome);
  const r = await timed('node', [CLI, 'run', '--headless', '--json', '-j', String(j)], { cwd: dir, env: { ...env, XDG_STATE_HOME: stateHome } });
  const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
  const first = (type) => events.find((e) => e.type === type)?.at;
  const last = (type) => events.findLast((e) => e.type === type)?.at;
  // First attempt_started → last task_merged: the replay itself, start-up and close excluded.
  return { ms: r.ms, cpuMs: r.cpuMs, makespanMs: last('task_merged') - first('attempt_started'), problems: verify(git, dag) };
}

/** Longest chain of the DAG in tasks: what no concurrency can shorten. */
function depth(dag) {
  const d = new Map();
  for (const t of dag.tasks) d.set(t.id, 1 + Math.max(0, ...t.deps.map((x) => d.get(x))));
  return Math.max(...d.values());
}

export async function replay(opts = {}) {
  const runs = opts.runs ?? Number(process.env.RUNS ?? 3);
  const j = opts.j ?? Number(process.env.REPLAY_J ?? 4);
  const parent = opts.dir ?? process.env.REPLAY_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const dag = JSON.parse(readFileSync(join(DATA, 'dag.json'), 'utf8'));
  const started = Date.now();
  const top = realpathSync(mkdtempSync(join(parent, 'fleet-bench-replay-')));
  const results = { script: [], fleet: [] };
  const gitCalls = {};
  const problems = [];
  const once = async (kind, name, env = process.env) => {
    const root = join(top, name);
    mkdirSync(root);
    try {
      return kind === 'script' ? await scriptRun(root, dag, env) : await fleetRun(root, dag, j, env);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    for (let run = 0; run < runs; run++) for (const kind of ['script', 'fleet']) results[kind].push(await once(kind, `${kind}-${run}`));
    const counter = gitCounter(join(top, 'git-counter'));
    for (const kind of ['script', 'fleet']) {
      const r = await once(kind, `${kind}-counted`, counter.env());
      const calls = counter.take();
      gitCalls[kind] = { perTask: Math.round((calls.total / dag.tasks.length) * 10) / 10, total: calls.total, bySub: calls.bySub };
      problems.push(...r.problems.map((p) => `${kind} counted run: ${p}`));
    }
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
  for (const [kind, list] of Object.entries(results)) list.forEach((r, i) => problems.push(...r.problems.map((p) => `${kind} run ${i + 1}: ${p}`)));
  const summary = (list) => ({
    medianMs: Math.round(median(list.map((r) => r.ms))),
    runsMs: list.map((r) => Math.round(r.ms)),
    cpuMedianMs: Math.round(median(list.map((r) => r.cpuMs))),
    ...(list[0].makespanMs !== undefined ? { makespanMedianMs: Math.round(median(list.map((r) => r.makespanMs))) } : {}),
  });
  const script = summary(results.script);
  const fleet = summary(results.fleet);
  const ratio = Math.round((fleet.medianMs / script.medianMs) * 100) / 100;
  const pairedRatio = Math.round(median(results.fleet.map((r, i) => r.ms / results.script[i].ms)) * 100) / 100;
  if (ratio > 1.5) problems.push(`fleet -j ${j}: ${ratio}× the serial script > 1.5×`);
  const edges = dag.tasks.reduce((s, t) => s + t.deps.length, 0);
  return { source: dag.source, tasks: dag.tasks.length, edges, depth: depth(dag), j, runs, dir: parent, script, fleet, ratio, pairedRatio, gitCalls, seconds: Math.round((Date.now() - started) / 1000), problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await replay();
  console.log(JSON.stringify(result, null, 1));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
