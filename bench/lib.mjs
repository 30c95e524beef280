// Shared helpers for the benchmarks: temp repos and the built fleet binary.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// FLEET_CLI: measure another build (a patched copy of dist/ for a what-if) instead of this one.
export const CLI = process.env.FLEET_CLI ?? new URL('../dist/cli.js', import.meta.url).pathname;
export const AGENTS = new URL('../test/fixtures/agents/', import.meta.url).pathname;

export function tempRepo(files = { 'README.md': 'bench\n' }, parent = tmpdir()) {
  const root = realpathSync(mkdtempSync(join(parent, 'fleet-bench-')));
  const dir = join(root, 'repo');
  mkdirSync(dir);
  const git = (...args) => execFileSync('git', ['-c', 'gc.auto=0', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Fleet Bench');
  git('config', 'user.email', 'bench@fleet.invalid');
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { root, dir, git };
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/** CPU ms of every descendant this process has waited for (cutime + cstime: git, agents, fleet). */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

/**
 * Runs cmd to its end: wall ms, CPU of its whole process tree and of the process itself, its
 * output. Rejects when the exit code is not one of `okCodes` (a run that leaves a task in review
 * exits 1 on purpose).
 */
export function timed(cmd, args, opts, okCodes = [0]) {
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    // The direct child's own CPU (node for fleet, bash for the shell), sampled until it exits.
    let selfMs = 0;
    const sample = setInterval(() => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        selfMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
      } catch {
        // exited
      }
    }, 20);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // 'close', not 'exit': all of stdout has been read by then.
    child.on('close', (code) => {
      clearInterval(sample);
      const ms = performance.now() - t0;
      if (!okCodes.includes(code)) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err || out.slice(-2000)}`));
      else resolve({ code, ms, cpuMs: childrenCpuMs() - cpu0, selfMs, out, err, t0: performance.timeOrigin + t0, end: performance.timeOrigin + t0 + ms });
    });
  });
}

/**
 * A directory holding a `git` that appends its arguments to a log, then runs the real git: put
 * first on PATH (env(base)) to count every git process of a run, fleet's, its agents' and a
 * script's alike. The log path is written into the wrapper, not passed by environment, so nothing
 * that cleans the environment (fleet does, for git) can lose it.
 */
export function gitCounter(dir) {
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'calls.log');
  writeFileSync(join(dir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  writeFileSync(log, '');
  return {
    env: (base = process.env) => ({ ...base, PATH: `${dir}:${base.PATH}` }),
    /** Calls since the last take(): the total and the most frequent subcommands. */
    take(top = 8) {
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      writeFileSync(log, '');
      const counts = {};
      for (const line of lines) {
        const words = line.split(' ');
        // Skip global options: -C <dir>, -c <key=value>, --no-pager and the like.
        let i = 0;
        while (i < words.length && words[i].startsWith('-')) i += words[i] === '-C' || words[i] === '-c' ? 2 : 1;
        const sub = words[i] ?? '?';
        counts[sub] = (counts[sub] ?? 0) + 1;
      }
      const bySub = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, top));
      return { total: lines.length, bySub };
    },
  };
}

export function startFleet(cwd, args = []) {
  const child = spawn('node', [CLI, 'run', '--headless', ...args], { cwd, stdio: 'ignore' });
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? signal : code)));
  return { child, exit };
}

export function machine() {
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim();
  return `${cpu}, ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, node ${process.version}, ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()}`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The q-quantile (0..1) of an ascending array, by linear interpolation. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values) {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Events keyed by task: the merge queue's batch_started (one event for all the tasks of a batch)
 * counts as each task's merge_started, as it was before batches.
 */
export function perTask(events) {
  return events.flatMap((e) => (e.type === 'batch_started' ? e.keys.map((key) => ({ type: 'merge_started', key, at: e.at })) : [e]));
}
