// `fleet ls`: every fleet run on this machine, live or finished, with its task counts, the
// worktrees it still has on disk and their size. Also the inventory `fleet clean` works from:
// which runs exist, which are live, and which worktrees of a repository are fleet's.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FleetSpec } from '../core/fleet.js';
import { countByStatus, type TaskStatus } from '../core/selectors.js';
import type { RunState } from '../core/state.js';
import { loadFleetFile } from '../config/load.js';
import { isAlive, readLock, type LockOwner } from '../engine/lock.js';
import { stateDirFor } from '../engine/paths.js';
import { listRegistered, registryPath } from '../engine/registry.js';
import { listRuns, loadRun } from '../engine/runs.js';
import { canonicalPath } from '../git/paths.js';
import { repoInfo } from '../git/repo.js';
import { listWorktrees, type WorktreeRecord } from '../git/worktree-list.js';

// ───────────────────────────── inventory (shared with clean) ─────────────────────────────

/** One run as recorded in a state dir. `state` is undefined when its journal cannot be read. */
export interface KnownRun {
  runId: string;
  stateDir: string;
  file: string;
  fileExists: boolean;
  createdAt: number;
  state?: RunState;
  damaged?: string;
}

/**
 * live: a live process holds its lock · finished: every task merged or accepted · superseded:
 * replaced by `--fresh` (or abandoned by clean) · unfinished: stopped, `fleet run` resumes it ·
 * abandoned: unfinished, but its fleet file is gone, so nothing can resume it · damaged: the
 * journal cannot be read, so nobody can say what it owns.
 */
export type RunStatus = 'live' | 'finished' | 'superseded' | 'unfinished' | 'abandoned' | 'damaged';

export function runStatus(run: KnownRun, live: boolean): RunStatus {
  if (live) return 'live';
  if (!run.state) return 'damaged';
  if (run.state.stopped?.reason === 'finished') return 'finished';
  if (run.state.stopped?.reason === 'superseded') return 'superseded';
  return run.fileExists ? 'unfinished' : 'abandoned';
}

/** Every run of a state dir, oldest first; a damaged journal makes a `damaged` run, not an error. */
export function readRuns(stateDir: string): KnownRun[] {
  let metas: ReturnType<typeof listRuns>;
  try {
    metas = listRuns(stateDir);
  } catch {
    return [];
  }
  return metas.map((meta) => {
    const run = { runId: meta.runId, stateDir, file: meta.file, fileExists: existsSync(meta.file), createdAt: meta.createdAt };
    try {
      return { ...run, state: loadRun(stateDir, meta).state };
    } catch (error) {
      return { ...run, damaged: (error as Error).message };
    }
  });
}

/** The owner of a lock file when it is a live process (on another host: assumed live). */
export function liveOwner(lockFile: string): LockOwner | undefined {
  const owner = readLock(lockFile);
  return owner && isAlive(owner) ? owner : undefined;
}

/** The locks a live run holds: its state dir's, and one in every project repository's common dir. */
export function lockFilesOf(stateDirs: Iterable<string>, commonDirs: Iterable<string>): string[] {
  const files = new Set<string>();
  for (const dir of stateDirs) files.add(join(dir, 'lock'));
  for (const dir of commonDirs) files.add(join(dir, 'fleet', 'lock'));
  return [...files].sort();
}

/** `fleet run=<run> task=<key>`: the lock reason fleet gives every task worktree. */
const LOCK_REASON = /^fleet run=(\S+) task=(\S+)$/;
/** newRunId(): 20261125-154907-3fa2. */
export const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
const FLEET_BRANCH = 'refs/heads/fleet/';

/** A worktree fleet made: a task's (by lock reason, or a fleet/* branch in a worktree dir) or a merge gate. */
export interface FleetWorktree {
  kind: 'task' | 'gate';
  path: string;
  record: WorktreeRecord;
  /** The run named by the lock reason or gate name, when there is one. */
  runId?: string;
  key?: string;
  /** Task id: from the fleet/* branch, else from the lock reason's key. */
  id?: string;
}

export function classifyWorktree(record: WorktreeRecord, worktreeDirs: ReadonlySet<string>): FleetWorktree | undefined {
  if (record.bare) return undefined;
  const path = record.path;
  const inWorktreeDir = worktreeDirs.has(canonicalPath(dirname(path)));
  const reason = record.locked !== undefined ? LOCK_REASON.exec(record.locked) : null;
  const branchId = record.branch?.startsWith(FLEET_BRANCH) ? record.branch.slice(FLEET_BRANCH.length) : undefined;
  if (reason) {
    const key = reason[2]!;
    return { kind: 'task', path, record, runId: reason[1], key, id: branchId ?? key.slice(key.lastIndexOf(':') + 1) };
  }
  const gate = /^_gate-(.+)$/.exec(basename(path));
  if (gate && record.detached && (inWorktreeDir || RUN_ID.test(gate[1]!))) return { kind: 'gate', path, record, runId: gate[1] };
  if (branchId && inWorktreeDir) return { kind: 'task', path, record, id: branchId };
  return undefined;
}

/** Linked worktrees of `repo` that fleet made (never the main worktree, which is the user's). */
export async function fleetWorktreesOf(repo: string, worktreeDirs: ReadonlySet<string>): Promise<{ all: WorktreeRecord[]; fleet: FleetWorktree[] }> {
  const all = await listWorktrees(repo);
  const fleet = all.slice(1).flatMap((w) => classifyWorktree(w, worktreeDirs) ?? []);
  return { all, fleet };
}

/** The default worktree dir of a repository: `../<repo>.worktrees` (config/settings.ts). */
export function defaultWorktreeDir(topLevel: string): string {
  return canonicalPath(join(dirname(topLevel), `${basename(topLevel)}.worktrees`));
}

/** Directories task worktrees were put in, as the runs recorded them. */
export function recordedWorktreeDirs(runs: Iterable<KnownRun>): string[] {
  const dirs: string[] = [];
  for (const run of runs) {
    for (const key of run.state?.order ?? []) {
      const path = run.state!.tasks[key]!.worktree;
      if (path) dirs.push(canonicalPath(dirname(path)));
    }
  }
  return dirs;
}

const specs = new Map<string, FleetSpec | undefined>();
/** The fleet file as it is now, or undefined when it is gone or no longer valid. Cached per process call. */
export function specOf(file: string): FleetSpec | undefined {
  if (!specs.has(file)) {
    let spec: FleetSpec | undefined;
    try {
      spec = existsSync(file) ? loadFleetFile(file) : undefined;
    } catch {
      spec = undefined;
    }
    specs.set(file, spec);
  }
  return specs.get(file);
}

export function forgetSpecs(): void {
  specs.clear();
}

/** Common dir of a repository, or undefined when it is not one (any more). */
export async function commonDirOf(path: string): Promise<string | undefined> {
  try {
    return (await repoInfo(path)).commonDir;
  } catch {
    return undefined;
  }
}

// ───────────────────────────── disk usage ─────────────────────────────

export interface DiskUsage {
  bytes: number;
  /** False when the walk ran out of time: `bytes` is then a lower bound. */
  complete: boolean;
}

/**
 * Allocated bytes under `path`, like `du -s`: symlinks not followed, hard links counted once.
 * Bounded by `deadline` (ms since epoch) so a huge node_modules cannot stall `ls`.
 */
export function diskUsage(path: string, deadline: number, seen = new Set<string>()): DiskUsage {
  let bytes = 0;
  const stack = [path];
  let checked = 0;
  while (stack.length > 0) {
    if (++checked % 256 === 0 && Date.now() > deadline) return { bytes, complete: false };
    const current = stack.pop()!;
    let info;
    try {
      info = lstatSync(current);
    } catch {
      continue; // vanished meanwhile, or unreadable
    }
    const id = `${info.dev}:${info.ino}`;
    if (seen.has(id)) continue;
    seen.add(id);
    bytes += info.blocks * 512;
    if (!info.isDirectory()) continue;
    try {
      for (const name of readdirSync(current)) stack.push(join(current, name));
    } catch {
      // unreadable directory: count what we can
    }
  }
  return { bytes, complete: true };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

// ───────────────────────────── fleet ls ─────────────────────────────

export interface LsOptions {
  json?: boolean;
  /** Where to look for a fleet.yaml and repository besides the registry (default: process.cwd()). */
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  /** Total time for measuring disk usage (ms). */
  sizeBudgetMs?: number;
}

interface LsWorktree {
  path: string;
  branch: string | null;
  task: string | null;
  /** Its directory is gone (deleted by hand); git still records it. */
  missing: boolean;
  bytes: number;
  complete: boolean;
}

interface LsRun {
  file: string;
  fileExists: boolean;
  stateDir: string;
  runId: string;
  status: RunStatus;
  pid: number | null;
  exitCode: number | null;
  createdAt: number;
  tasks: number;
  counts: Partial<Record<TaskStatus, number>>;
  worktrees: LsWorktree[];
  bytes: number;
}

interface LsOther extends LsWorktree {
  repo: string;
  runId: string | null;
}

/** `fleet ls`: prints (or with --json writes one JSON object) and returns the exit code. */
export async function lsCommand(options: LsOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const cwd = options.cwd ?? process.cwd();
  forgetSpecs();

  // State dirs: every registered one that still exists, plus this directory's (for runs made
  // before the registry existed). Each comes with the repositories its runs may have touched.
  const stateDirs = new Map<string, Set<string>>();
  const addRepos = (stateDir: string, repos: Iterable<string>) => {
    const set = stateDirs.get(stateDir) ?? new Set<string>();
    for (const r of repos) set.add(r);
    stateDirs.set(stateDir, set);
  };
  for (const entry of listRegistered()) if (existsSync(entry.stateDir)) addRepos(entry.stateDir, entry.repos);
  const here = await repoInfo(cwd).catch(() => undefined);
  const localFile = join(cwd, 'fleet.yaml');
  const localState = here ? join(here.commonDir, 'fleet') : existsSync(localFile) ? await stateDirFor(localFile) : undefined;
  if (localState && existsSync(join(localState, 'runs'))) addRepos(localState, here ? [here.topLevel] : []);

  const deadline = Date.now() + (options.sizeBudgetMs ?? 10_000);
  const seenInodes = new Set<string>();
  const measure = (w: WorktreeRecord): { bytes: number; complete: boolean } =>
    isMissing(w)
      ? { bytes: 0, complete: true }
      : diskUsage(w.path, Math.min(deadline, Date.now() + 3000), seenInodes);

  const groups = [...stateDirs].sort(([a], [b]) => a.localeCompare(b)).map(([stateDir, repos]) => {
    const runs = readRuns(stateDir);
    for (const run of runs) for (const p of specOf(run.file)?.projects ?? []) repos.add(p.path);
    return { stateDir, repos, runs };
  });
  const dirs = new Set(recordedWorktreeDirs(groups.flatMap((g) => g.runs)));
  for (const g of groups) for (const run of g.runs) for (const p of specOf(run.file)?.projects ?? []) dirs.add(canonicalPath(p.worktreeDir));
  // Each repository once, however many state dirs name it.
  const repoOf = new Map<string, { topLevel: string; commonDir: string }>();
  for (const g of groups) {
    for (const repo of g.repos) {
      const info = existsSync(repo) ? await repoInfo(repo).catch(() => undefined) : undefined;
      if (info) repoOf.set(repo, info);
    }
  }
  for (const info of repoOf.values()) dirs.add(defaultWorktreeDir(info.topLevel));
  const listed = new Map<string, FleetWorktree[]>();
  for (const info of repoOf.values()) {
    if (listed.has(info.commonDir)) continue;
    listed.set(info.commonDir, (await fleetWorktreesOf(info.topLevel, dirs).catch(() => ({ fleet: [] as FleetWorktree[] }))).fleet);
  }

  const runs: LsRun[] = [];
  const others: LsOther[] = [];
  const claimed = new Set<string>();
  for (const { stateDir, repos, runs: known } of groups) {
    const commonDirs = new Set([...repos].flatMap((r) => repoOf.get(r)?.commonDir ?? []));
    const worktrees = [...commonDirs].flatMap((d) => listed.get(d) ?? []);
    const owners = lockFilesOf([stateDir], commonDirs).map(liveOwner).filter((o): o is LockOwner => !!o);
    for (const run of known) {
      const owner = owners.find((o) => o.runId === run.runId);
      const paths = new Set(Object.values(run.state?.tasks ?? {}).flatMap((t) => (t.worktree ? [canonicalPath(t.worktree)] : [])));
      const mine = worktrees.filter((w) => !claimed.has(w.path) && (w.runId === run.runId || (w.runId === undefined && paths.has(canonicalPath(w.path)))));
      const rows = mine.map((w) => {
        claimed.add(w.path);
        const task = w.kind === 'gate' ? '(merge gate)' : (w.key ?? w.id ?? null);
        return { path: w.path, branch: w.record.branch ?? null, task, missing: isMissing(w.record), ...measure(w.record) };
      });
      const counts = run.state ? countByStatus(run.state) : undefined;
      runs.push({
        file: run.file,
        fileExists: run.fileExists,
        stateDir,
        runId: run.runId,
        status: runStatus(run, owner !== undefined),
        pid: owner?.pid ?? null,
        exitCode: run.state?.stopped?.exitCode ?? null,
        createdAt: run.createdAt,
        tasks: run.state?.order.length ?? 0,
        counts: counts ? Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)) : {},
        worktrees: rows,
        bytes: rows.reduce((sum, w) => sum + w.bytes, 0),
      });
    }
  }
  // Fleet worktrees no listed run claims: a run whose state dir was deleted, or never registered.
  for (const [commonDir, worktrees] of listed) {
    for (const w of worktrees) {
      if (claimed.has(w.path)) continue;
      claimed.add(w.path);
      others.push({ repo: dirname(commonDir), path: w.path, branch: w.record.branch ?? null, task: w.key ?? w.id ?? null, runId: w.runId ?? null, missing: isMissing(w.record), ...measure(w.record) });
    }
  }

  runs.sort((a, b) => a.file.localeCompare(b.file) || a.runId.localeCompare(b.runId));
  const all = [...runs.flatMap((r) => r.worktrees), ...others];
  const total = {
    runs: runs.length,
    live: runs.filter((r) => r.status === 'live').length,
    worktrees: all.length,
    bytes: all.reduce((sum, w) => sum + w.bytes, 0),
    complete: all.every((w) => w.complete),
  };
  if (options.json) {
    out.write(`${JSON.stringify({ registry: registryPath(), runs, others, total })}\n`);
    return 0;
  }
  printRuns(out, runs, others, total);
  return 0;
}

function printRuns(out: NodeJS.WritableStream, runs: LsRun[], others: LsOther[], total: { runs: number; live: number; worktrees: number; bytes: number; complete: boolean }): void {
  if (runs.length === 0 && others.length === 0) {
    out.write(`no fleet runs recorded on this machine (registry: ${registryPath()})\n`);
    return;
  }
  const size = (w: { bytes: number; complete: boolean }) => `${w.complete ? '' : '≥ '}${formatBytes(w.bytes)}`;
  let file = '';
  for (const run of runs) {
    if (run.file !== file) {
      file = run.file;
      out.write(`${file}${run.fileExists ? '' : ' (file deleted)'}\n`);
    }
    const counts = Object.entries(run.counts).map(([s, n]) => `${n} ${s}`).join(', ');
    const worktrees = run.worktrees.length === 0 ? 'no worktrees' : `${run.worktrees.length} worktree${run.worktrees.length === 1 ? '' : 's'} ${size({ bytes: run.bytes, complete: run.worktrees.every((w) => w.complete) })}`;
    out.write(`  ${run.runId}  ${describeStatus(run).padEnd(22)} ${run.tasks} task${run.tasks === 1 ? '' : 's'}${counts ? `: ${counts}` : ''} · ${worktrees}\n`);
    for (const w of run.worktrees) out.write(`      ${w.path}  ${w.task ?? ''}${w.missing ? ' (directory gone)' : ''}  ${size(w)}\n`);
  }
  if (others.length > 0) {
    out.write('fleet worktrees with no run on record (`fleet clean` archives and removes them)\n');
    for (const w of others) out.write(`      ${w.path}  ${w.branch?.replace('refs/heads/', '') ?? 'detached'}${w.runId ? ` (run ${w.runId})` : ''}${w.missing ? ' (directory gone)' : ''}  ${size(w)}\n`);
  }
  out.write(`total: ${total.runs} run${total.runs === 1 ? '' : 's'} (${total.live} live), ${total.worktrees} worktree${total.worktrees === 1 ? '' : 's'}, ${size(total)}\n`);
}

/** git marks only unlocked worktrees prunable; fleet's are locked, so look at the disk too. */
function isMissing(w: WorktreeRecord): boolean {
  return w.prunable !== undefined || !existsSync(w.path);
}

function describeStatus(run: LsRun): string {
  switch (run.status) {
    case 'live':
      return `live (pid ${run.pid})`;
    case 'finished':
      return 'finished';
    case 'superseded':
      return 'superseded';
    case 'unfinished':
      return `unfinished${run.exitCode !== null ? ` (exit ${run.exitCode})` : ' (crashed?)'}`;
    case 'abandoned':
      return 'abandoned (file gone)';
    case 'damaged':
      return 'journal unreadable';
  }
}
