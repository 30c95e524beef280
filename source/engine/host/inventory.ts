// What fleet has on this machine: runs in state dirs, their locks and worktrees, disk use.
// Shared by `fleet ls` and `fleet clean`.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FleetSpec } from '../../core/fleet.js';
import { parseBranchRef, parseLockReason, parseWorktreePath } from '../../core/names.js';
import type { RunState } from '../../core/state.js';
import { loadFleetFile } from '../../config/load.js';
import { isAlive, readLock, type LockOwner } from './lock.js';
import { listRuns, loadRun } from './runs.js';
import { canonicalPath } from '../../git/paths.js';
import { repoInfo } from '../../git/repo.js';
import { listWorktrees, type WorktreeRecord } from '../../git/worktree-list.js';

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

/** A worktree fleet made: a task's (by lock reason, or a fleet/* branch in a worktree dir) or a merge gate. */
export type FleetWorktree =
  | {
      kind: 'task';
      path: string;
      record: WorktreeRecord;
      /** The run and task key its lock reason names, when it has one. */
      runId?: string;
      key?: string;
      /** From the fleet/* branch, else from the lock reason's key. */
      id: string;
    }
  | { kind: 'gate'; path: string; record: WorktreeRecord; runId: string; key?: undefined; id?: undefined };

export function classifyWorktree(record: WorktreeRecord, worktreeDirs: ReadonlySet<string>): FleetWorktree | undefined {
  if (record.bare) return undefined;
  const path = record.path;
  const reason = record.locked !== undefined ? parseLockReason(record.locked) : undefined;
  const branchId = record.branch !== undefined ? parseBranchRef(record.branch) : undefined;
  if (reason) return { kind: 'task', path, record, runId: reason.runId, key: reason.key, id: branchId ?? reason.id };
  const name = parseWorktreePath(path);
  if (name?.kind === 'gate' && record.detached) return { kind: 'gate', path, record, runId: name.runId };
  if (branchId && worktreeDirs.has(canonicalPath(dirname(path)))) return { kind: 'task', path, record, id: branchId };
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
