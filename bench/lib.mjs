// Shared helpers for the benchmarks: temp repos and the built fleet binary.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
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
