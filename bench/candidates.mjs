// Best-of-N: fleet's own overhead per candidate. 8 tasks × 3 candidates (`candidates: 3`,
// `pick: smallest-diff`, so every candidate runs to its check) with the `claude` preset played by
// the stub CLI of test/fixtures/stub-agents/ (it speaks claude's stream-json with usage and cost;
// candidate n writes n lines to one file of the task), on a fresh clone of a generated repo, at
// concurrency 1.
//
// The baseline is a bash script doing the same git steps serially, in the same run: per
// candidate `git worktree add -b fleet/<id>@<n>`, the same stub claude with FLEET_CANDIDATE,
// `add -A` + `commit`, the check (`true`, through sh as fleet runs it), `diff --shortstat`; per
// task `merge --no-ff` of the winner (candidate 1, the smallest diff) in the main checkout, then
// for each candidate an archive ref for the losers, `worktree remove`, `branch -D`. The same pair
// with one candidate per task (a plain task) gives the single-candidate ratio to compare with.
//
// Reported: wall time (median of RUNS, runs interleaved), ratio fleet / script for 3 candidates
// and for 1, and the overhead per candidate: (fleet − script) / candidates. Each run is verified:
// 8 merges with candidate 1's text, no fleet/* branch, one worktree, 16 (or 0) archives.
// Bar: with 3 candidates fleet's ratio is at most 1.15× its single-candidate ratio (candidates
// add no overhead of their own beyond that of the attempts they are).
//
// env: CANDIDATES_FILES (1000), CANDIDATES_TASKS (8), CANDIDATES_N (3), RUNS (3), CANDIDATES_TMP (/dev/shm).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CLI, median, timed } from './lib.mjs';
import { clone, fileOf, generate } from './overhead.mjs';

const SHELL = `set -e
mapfile -t files < "$FILES"
for ((k = 1; k <= TASKS; k++)); do
  printf -v i %02d "$k"
  f=\${files[k - 1]}
  for ((n = 1; n <= N; n++)); do
    b="fleet/t$i"; wt="../repo.worktrees/t$i"
    if [ "$N" -gt 1 ]; then b="$b@$n"; wt="$wt@$n"; fi
    git worktree add -q -b "$b" "$wt" main
    (cd "$wt" && FLEET_CANDIDATE=$n FLEET_TASK_ID=t$i claude -p --output-format stream-json --verbose --dangerously-skip-permissions -- "candidate-lines $f
usage 100 20 0.01" > /dev/null)
    git -C "$wt" add -A
    git -C "$wt" commit -q -m "t$i"
    (cd "$wt" && sh -c true)
    git diff --shortstat main "$b" > /dev/null
  done
  w="fleet/t$i"; [ "$N" -gt 1 ] && w="$w@1"
  git merge -q --no-ff -m "Merge fleet task t$i" "$w"
  for ((n = 1; n <= N; n++)); do
    b="fleet/t$i"; wt="../repo.worktrees/t$i"
    if [ "$N" -gt 1 ]; then b="$b@$n"; wt="$wt@$n"; fi
    if [ "$n" -gt 1 ]; then git update-ref "refs/fleet/archive/t$i/bench-1@$n" "$b"; fi
    git worktree remove --force "$wt"
    git branch -q -D "$b"
  done
done
`;

const STUBS = new URL('../test/fixtures/stub-agents/', import.meta.url).pathname;

/** The stub claude first on PATH, its run counters beside the repository (never in a worktree). */
function stubEnv(dir) {
  const counters = join(dir, '..', 'stub-runs');
  mkdirSync(counters, { recursive: true });
  return { ...process.env, PATH: `${STUBS}${delimiter}${process.env.PATH}`, STUB_AGENT_DIR: counters };
}

function verify(git, tasks, n, files) {
  const problems = [];
  const merges = git('log', '--first-parent', '--merges', '--format=%s', 'main').split('\n').filter(Boolean);
  if (merges.length !== tasks) problems.push(`${merges.length} merge commits on main, expected ${tasks}`);
  for (let i = 0; i < tasks; i++) {
    if (git('show', `main:${fileOf(i, files)}`) !== 'candidate 1 line 1') problems.push(`t${i + 1}: candidate 1 is not what merged`);
  }
  if (git('for-each-ref', 'refs/heads/fleet/') !== '') problems.push('fleet/* branches left');
  if ((git('worktree', 'list', '--porcelain').match(/^worktree /gm) ?? []).length !== 1) problems.push('worktrees left');
  const archives = git('for-each-ref', 'refs/fleet/archive/').split('\n').filter(Boolean).length;
  if (archives !== tasks * (n - 1)) problems.push(`${archives} archives, expected ${tasks * (n - 1)}`);
  return problems;
}

async function shellRun(base, dir, tasks, n, files) {
  const git = clone(base, dir);
  const list = join(dir, '..', 'files.txt');
  writeFileSync(list, Array.from({ length: tasks }, (_, i) => fileOf(i, files)).join('\n') + '\n');
  const env = { ...stubEnv(dir), TASKS: String(tasks), N: String(n), FILES: list };
  const r = await timed('bash', ['-c', SHELL], { cwd: dir, env });
  return { ms: r.ms, cpuMs: r.cpuMs, problems: verify(git, tasks, n, files) };
}

async function fleetRun(base, dir, tasks, n, files, stateHome) {
  const git = clone(base, dir);
  const lines = Array.from({ length: tasks }, (_, i) => {
    const id = String(i + 1).padStart(2, '0');
    const many = n > 1 ? `candidates: ${n}, pick: smallest-diff, ` : '';
    return `  - { id: t${id}, ${many}agent: claude, prompt: "candidate-lines ${fileOf(i, files)}\\nusage 100 20 0.01" }`;
  });
  writeFileSync(join(dir, 'fleet.yaml'), `version: 1\nconcurrency: 1\ndefaults: { check: "true" }\ntasks:\n${lines.join('\n')}\n`);
  const r = await timed('node', [CLI, 'run', '--json'], { cwd: dir, env: { ...stubEnv(dir), XDG_STATE_HOME: stateHome } });
  return { ms: r.ms, cpuMs: r.cpuMs, problems: verify(git, tasks, n, files) };
}

export async function candidates(opts = {}) {
  const files = opts.files ?? Number(process.env.CANDIDATES_FILES ?? 1000);
  const tasks = opts.tasks ?? Number(process.env.CANDIDATES_TASKS ?? 8);
  const n = opts.candidates ?? Number(process.env.CANDIDATES_N ?? 3);
  const runs = opts.runs ?? Number(process.env.RUNS ?? 3);
  const started = Date.now();
  const parent = opts.dir ?? process.env.CANDIDATES_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const base = generate(files, parent);
  const stateHome = join(base.root, 'state');
  mkdirSync(stateHome);
  const kinds = { shellN: [], fleetN: [], shell1: [], fleet1: [] };
  const problems = [];
  try {
    for (let run = 0; run < runs; run++) {
      for (const kind of Object.keys(kinds)) {
        const root = join(base.root, `${kind}-${run}`);
        mkdirSync(root);
        const count = kind.endsWith('N') ? n : 1;
        try {
          const r = kind.startsWith('shell') ? await shellRun(base.dir, join(root, 'repo'), tasks, count, files) : await fleetRun(base.dir, join(root, 'repo'), tasks, count, files, stateHome);
          kinds[kind].push(r);
          problems.push(...r.problems.map((p) => `${kind} run ${run + 1}: ${p}`));
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }
    }
  } finally {
    rmSync(base.root, { recursive: true, force: true });
  }
  const med = (list) => Math.round(median(list.map((r) => r.ms)));
  const cpu = (list) => Math.round(median(list.map((r) => r.cpuMs)));
  const ms = Object.fromEntries(Object.entries(kinds).map(([k, list]) => [k, med(list)]));
  const ratioN = Math.round((ms.fleetN / ms.shellN) * 100) / 100;
  const ratio1 = Math.round((ms.fleet1 / ms.shell1) * 100) / 100;
  const perCandidateMs = Math.round((ms.fleetN - ms.shellN) / (tasks * n));
  const perPlainTaskMs = Math.round((ms.fleet1 - ms.shell1) / tasks);
  if (ratioN > ratio1 * 1.15) problems.push(`${n} candidates: ${ratioN}× the script > 1.15 × the single-candidate ${ratio1}×`);
  return {
    files,
    tasks,
    candidates: n,
    runs,
    dir: parent,
    medianMs: ms,
    runsMs: Object.fromEntries(Object.entries(kinds).map(([k, list]) => [k, list.map((r) => Math.round(r.ms))])),
    cpuMedianMs: Object.fromEntries(Object.entries(kinds).map(([k, list]) => [k, cpu(list)])),
    ratioN,
    ratio1,
    perCandidateMs,
    perPlainTaskMs,
    seconds: Math.round((Date.now() - started) / 1000),
    problems,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await candidates();
  console.log(JSON.stringify(result, null, 1));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
