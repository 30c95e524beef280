// docs/design.md#performance-bars "Overhead": fleet vs a plain shell script doing the same worktree/merge
// steps on a 5,000-file repo: ≤ 1.10× at concurrency 1; with concurrency 4 clearly faster.
//
// Every run starts from a fresh local clone of one generated repo (5,000 files of ~1 KB in 50
// directories, main checked out). N independent tasks (default 8), each editing one file:
//
//   shell  — bash, serially per task: `git worktree add -b fleet/tNN <dir> main` (branch + full
//            checkout), the edit, `git add -A && git commit`, `git merge --no-ff` in the main
//            checkout, `git worktree remove`, `git branch -D`. That is the equivalent of what fleet
//            does: fleet builds the merge commit with merge-tree + commit-tree and, because main is
//            checked out in the repo, lands it with `merge --ff-only` in that checkout; one
//            `merge --no-ff` there does both (same commit shape: two parents, main first).
//   fleet  — `fleet run --json -j 1`, then `-j 4`, same tasks as `run:` commands (the same edit),
//            node start-up, preflight, journal, locks and cleanup included.
//
// Runs are interleaved (shell, j1, j4, shell, …) so drift on a shared machine hits all alike;
// median of RUNS (3). Each run is checked: N merge commits on main with the edits, no worktree
// and no fleet/* branch left. The --json events give per-step times (median per task) for fleet;
// bash's $EPOCHREALTIME (no fork) gives the shell's.
//
// Where: /dev/shm (tmpfs) by default, OVERHEAD_TMP to choose. On this VM's root filesystem (ext4
// without a journal) creating files gets slow for minutes after many deletions (the inode
// allocator skips recently deleted inodes: recently_deleted() in ext4's ialloc.c, only without a
// journal), so a 5,000-file checkout there drifts between ~0.2 s and ~1.3 s from run to run as the
// benchmark's own worktree removals pile up. tmpfs keeps the figures stable; being the cheapest
// filesystem for git's own work, it also makes fleet's fixed costs weigh the most (a conservative
// ratio).
//
// env: OVERHEAD_FILES (5000), OVERHEAD_TASKS (8), RUNS (3), OVERHEAD_TMP (/dev/shm).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, gitCounter, median, perTask, tempRepo, timed } from './lib.mjs';

const PER_DIR = 100;

export function generate(files, parent) {
  const r = tempRepo({ 'README.md': 'generated\n' }, parent);
  for (let i = 0; i < files; i++) {
    const dir = join(r.dir, 'src', `d${String(Math.floor(i / PER_DIR)).padStart(2, '0')}`);
    if (i % PER_DIR === 0) mkdirSync(dir, { recursive: true });
    const body = Array.from({ length: 30 }, (_, l) => `line ${l} of file ${i}: some source text here;\n`).join('');
    writeFileSync(join(dir, `f${String(i % PER_DIR).padStart(3, '0')}.txt`), body);
  }
  r.git('add', '-A');
  r.git('commit', '-q', '-m', `${files} files`);
  return r;
}

export const fileOf = (i, files) => {
  const n = Math.floor(((i + 0.5) * files) / 16); // spread over the repo
  return `src/d${String(Math.floor(n / PER_DIR)).padStart(2, '0')}/f${String(n % PER_DIR).padStart(3, '0')}.txt`;
};

export function clone(from, to) {
  execFileSync('git', ['clone', '-q', from, to]);
  const git = (...args) => execFileSync('git', args, { cwd: to, encoding: 'utf8' }).trim();
  git('config', 'user.name', 'Fleet Bench');
  git('config', 'user.email', 'bench@fleet.invalid');
  git('config', 'gc.auto', '0');
  writeFileSync(join(to, '.git', 'info', 'exclude'), 'fleet.yaml\n');
  return git;
}

const SHELL = `set -e
mapfile -t files < "$FILES"
t() { echo "$1 $2 $EPOCHREALTIME" >> "$STEPS"; }
for ((k = 1; k <= N; k++)); do
  printf -v i %02d "$k"
  f=\${files[k - 1]}
  wt="../repo.worktrees/t$i"
  t "$i" start
  git worktree add -q -b "fleet/t$i" "$wt" main
  t "$i" worktree
  printf 'edited by t%s\\n' "$i" >> "$wt/$f"
  t "$i" agent
  git -C "$wt" add -A
  git -C "$wt" commit -q -m "t$i"
  t "$i" commit
  git merge -q --no-ff -m "Merge fleet task t$i" "fleet/t$i"
  t "$i" merge
  git worktree remove "$wt"
  git branch -q -D "fleet/t$i"
  t "$i" cleanup
done
`;

function verify(git, n, files) {
  const problems = [];
  const merges = git('log', '--first-parent', '--merges', '--format=%s', 'main').split('\n').filter(Boolean);
  if (merges.length !== n) problems.push(`${merges.length} merge commits on main, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const id = String(i + 1).padStart(2, '0');
    if (!git('show', `main:${fileOf(i, files)}`).endsWith(`edited by t${id}`)) problems.push(`t${id}'s edit is not on main`);
  }
  if (git('for-each-ref', 'refs/heads/fleet/') !== '') problems.push('fleet/* branches left');
  if ((git('worktree', 'list', '--porcelain').match(/^worktree /gm) ?? []).length !== 1) problems.push('worktrees left');
  if (git('status', '--porcelain', '--untracked-files=no') !== '') problems.push('main checkout not clean');
  return problems;
}

async function shellRun(base, dir, n, files, env = process.env) {
  const git = clone(base, dir);
  const list = join(dir, '..', 'files.txt');
  const steps = join(dir, '..', 'steps.txt');
  writeFileSync(list, Array.from({ length: n }, (_, i) => fileOf(i, files)).join('\n') + '\n');
  writeFileSync(steps, '');
  const r = await timed('bash', ['-c', SHELL], { cwd: dir, env: { ...env, N: String(n), FILES: list, STEPS: steps } });
  // Per task: the time each step took (from the previous mark).
  const marks = new Map();
  for (const line of readFileSync(steps, 'utf8').trim().split('\n')) {
    const [task, step, at] = line.split(' ');
    if (!marks.has(task)) marks.set(task, []);
    marks.get(task).push([step, Number(at) * 1000]);
  }
  const perStep = {};
  for (const list of marks.values()) {
    for (let k = 1; k < list.length; k++) (perStep[list[k][0]] ??= []).push(list[k][1] - list[k - 1][1]);
  }
  return { ms: r.ms, cpuMs: r.cpuMs, selfMs: r.selfMs, steps: mapValues(perStep, median), problems: verify(git, n, files) };
}

// fleet's steps, from consecutive --json events of one task (the event that ends each step).
const FLEET_STEPS = [
  ['worktree', 'attempt_started', 'worktree_ready'], // branch by CAS, base ref, worktree add --no-checkout, reset --hard
  ['setup', 'worktree_ready', 'agent_started'], // prompt file, copy/link, setup (none here), spawn
  ['agent', 'agent_started', 'agent_exited'], // the edit under fleet's sh wrapper, log tail, /proc scan for escapees
  ['commit', 'agent_exited', 'check_started'], // finishMerge, symbolic-ref, add -A, diff --cached, commit, tree compares, diff-tree
  ['check', 'check_started', 'check_passed'], // no check commands here
  ['queue wait', 'check_passed', 'merge_started'], // waiting for the merge queue
  ['merge-tree', 'merge_started', 'candidate_built'], // already-landed checks, merge-tree, commit-tree, candidate ref
  ['gate+advance', 'candidate_built', 'task_merged'], // gate worktree + check when the base moved; merge --ff-only in the checkout
  ['cleanup', 'task_merged', 'cleanup_done'], // status, rm of 5,000 files, worktree remove, branch delete, refs
];

async function fleetRun(base, dir, n, files, concurrency, stateHome, env = process.env) {
  const git = clone(base, dir);
  const tasks = Array.from({ length: n }, (_, i) => {
    const id = String(i + 1).padStart(2, '0');
    return `  - { id: t${id}, run: "printf 'edited by t${id}\\\\n' >> ${fileOf(i, files)}" }`;
  });
  writeFileSync(join(dir, 'fleet.yaml'), `version: 1\nconcurrency: ${concurrency}\ntasks:\n${tasks.join('\n')}\n`);
  const r = await timed('node', [CLI, 'run', '--json'], { cwd: dir, env: { ...env, XDG_STATE_HOME: stateHome } });
  const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
  const byTask = new Map();
  for (const e of perTask(events)) {
    if (!e.key) continue;
    if (!byTask.has(e.key)) byTask.set(e.key, {});
    byTask.get(e.key)[e.type] ??= e.at;
  }
  const perStep = {};
  for (const t of byTask.values()) for (const [name, from, to] of FLEET_STEPS) if (t[from] && t[to]) (perStep[name] ??= []).push(t[to] - t[from]);
  const at = (type) => events.find((e) => e.type === type)?.at;
  const firstStart = Math.min(...[...byTask.values()].map((t) => t.attempt_started ?? Infinity));
  const lastCleanup = Math.max(...[...byTask.values()].map((t) => t.cleanup_done ?? 0));
  const timeline = {
    'start-up': at('run_started') - r.t0, // node, config, preflight, locks, journal
    'to first task': firstStart - at('run_started'),
    tasks: lastCleanup - firstStart,
    'close (gate removal)': events.findLast((e) => e.type === 'run_stopped').at - lastCleanup,
    exit: r.end - events.findLast((e) => e.type === 'run_stopped').at,
  };
  return { ms: r.ms, cpuMs: r.cpuMs, selfMs: r.selfMs, steps: mapValues(perStep, median), timeline: mapValues(timeline, Math.round), gate: events.filter((e) => e.type === 'candidate_built' && e.gate).length, problems: verify(git, n, files) };
}

const mapValues = (o, f) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(f(v))]));

export async function overhead(opts = {}) {
  const files = opts.files ?? Number(process.env.OVERHEAD_FILES ?? 5000);
  const n = opts.tasks ?? Number(process.env.OVERHEAD_TASKS ?? 8);
  const runs = opts.runs ?? Number(process.env.RUNS ?? 3);
  const started = Date.now();
  const parent = opts.dir ?? process.env.OVERHEAD_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const base = generate(files, parent);
  const stateHome = join(base.root, 'state');
  mkdirSync(stateHome);
  const results = { shell: [], j1: [], j4: [] };
  const gitCalls = {};
  const problems = [];
  const once = async (kind, name, env) => {
    const root = join(base.root, name);
    mkdirSync(root);
    const dir = join(root, 'repo');
    try {
      return kind === 'shell' ? await shellRun(base.dir, dir, n, files, env) : await fleetRun(base.dir, dir, n, files, kind === 'j1' ? 1 : 4, stateHome, env);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    for (let run = 0; run < runs; run++) {
      for (const kind of ['shell', 'j1', 'j4']) results[kind].push(await once(kind, `${kind}-${run}`));
    }
    // One more untimed round through a counting git wrapper (its extra sh per call would skew
    // the times): git processes per task, the script's against fleet's.
    const counter = gitCounter(join(base.root, 'git-counter'));
    for (const kind of ['shell', 'j1', 'j4']) {
      const r = await once(kind, `${kind}-counted`, counter.env());
      const calls = counter.take();
      gitCalls[kind] = { perTask: Math.round((calls.total / n) * 10) / 10, total: calls.total, bySub: calls.bySub };
      problems.push(...r.problems.map((p) => `${kind} counted run: ${p}`));
    }
  } finally {
    rmSync(base.root, { recursive: true, force: true });
  }
  const summary = (list) => ({
    medianMs: Math.round(median(list.map((r) => r.ms))),
    runsMs: list.map((r) => Math.round(r.ms)),
    // CPU of the whole process tree (git, agents, node), user + system: what 2 cores must share.
    cpuMedianMs: Math.round(median(list.map((r) => r.cpuMs))),
    // of which the main process itself (node for fleet, bash for the shell)
    selfCpuMedianMs: Math.round(median(list.map((r) => r.selfMs))),
    stepsMs: list[Math.floor(list.length / 2)].steps, // of one run, for the breakdown
    ...(list[0].timeline ? { timelineMs: list[Math.floor(list.length / 2)].timeline, gatedMerges: list.map((r) => r.gate) } : {}),
  });
  const shell = summary(results.shell);
  const j1 = summary(results.j1);
  const j4 = summary(results.j4);
  const ratio1 = Math.round((j1.medianMs / shell.medianMs) * 100) / 100;
  const ratio4 = Math.round((j4.medianMs / shell.medianMs) * 100) / 100;
  // Each run's fleet time over the shell time measured just before it: robust to slow drift.
  const paired = (list) => Math.round(median(list.map((r, i) => r.ms / results.shell[i].ms)) * 100) / 100;
  for (const [kind, list] of Object.entries(results)) list.forEach((r, i) => problems.push(...r.problems.map((p) => `${kind} run ${i + 1}: ${p}`)));
  if (ratio1 > 1.1) problems.push(`concurrency 1: ${ratio1}× the shell script > 1.10×`);
  if (ratio4 >= 1) problems.push(`concurrency 4: ${ratio4}× the shell script, not faster`);
  return { files, tasks: n, runs, dir: parent, shell, j1, j4, ratio1, ratio4, pairedRatio1: paired(results.j1), pairedRatio4: paired(results.j4), gitCalls, seconds: Math.round((Date.now() - started) / 1000), problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await overhead();
  console.log(JSON.stringify(result, null, 1));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
