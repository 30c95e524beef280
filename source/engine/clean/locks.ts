// The locks `fleet clean` holds while it works: every lock a run would take, so no run starts or
// resumes while things are being removed. Taking over a lock whose owner is dead is how a stale
// lock gets removed.
import { existsSync, mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lockFilesOf } from '../host/inventory.js';
import { acquireLock, isAlive, readLock, type LockOwner } from '../host/lock.js';

/** The `file` a clean writes into the lock, so a run that finds it knows who holds it. */
export const CLEAN_HOLDER = '(fleet clean)';

export class CleanRunningError extends Error {
  override name = 'CleanRunningError';
  constructor(readonly pid: number) {
    super(`another \`fleet clean\` (pid ${pid}) is running here`);
  }
}

export interface CleanLocks {
  /** Locks held by live processes: their runs are left alone. */
  live: { lockFile: string; owner: LockOwner }[];
  /** Lock files clean holds (with --dry-run: would hold). */
  held: Set<string>;
  /** One line per stale lock removed (or that would be). */
  lines: string[];
  release(): void;
}

export interface LockScope {
  /** Common dirs of the repositories being cleaned. */
  commonDirs: readonly string[];
  /** State dirs whose runs may own things in them. */
  stateDirs: Iterable<string>;
}

/** Takes the locks in sorted order, as `fleet run` does; throws CleanRunningError when another clean holds one. */
export function takeCleanLocks(scope: LockScope): CleanLocks {
  const token = `clean-${process.pid}-${Date.now()}`;
  const locks: CleanLocks = { live: [], held: new Set(), lines: [], release: () => undefined };
  const created: string[] = [];
  locks.release = () => {
    for (const file of locks.held) {
      const holder = readLock(file);
      if (holder?.runId === token && holder.pid === process.pid) unlinkQuietly(file);
    }
    for (const dir of created) rmdirIfEmpty(dir);
  };
  try {
    for (const file of lockFilesOf(scope.stateDirs, scope.commonDirs)) {
      const before = readLock(file);
      if (before && isAlive(before)) {
        if (before.file === CLEAN_HOLDER) throw new CleanRunningError(before.pid);
        locks.live.push({ lockFile: file, owner: before });
        continue;
      }
      const dir = dirname(file);
      if (!existsSync(dir)) {
        if (!scope.commonDirs.some((c) => join(c, 'fleet') === dir)) continue;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        created.push(dir);
      }
      const existed = existsSync(file);
      const result = acquireLock(file, { file: CLEAN_HOLDER, runId: token, stateDir: dir });
      if (!result.ok) {
        locks.live.push({ lockFile: file, owner: result.holder });
        continue;
      }
      locks.held.add(file);
      if (existed) locks.lines.push(`removed stale lock ${file}${ownerText(before)}`);
    }
  } catch (error) {
    locks.release();
    throw error;
  }
  return locks;
}

/** --dry-run: the same questions, answered by reading only. */
export function inspectCleanLocks(scope: LockScope): CleanLocks {
  const locks: CleanLocks = { live: [], held: new Set(), lines: [], release: () => undefined };
  for (const file of lockFilesOf(scope.stateDirs, scope.commonDirs)) {
    const owner = readLock(file);
    if (owner && isAlive(owner)) {
      locks.live.push({ lockFile: file, owner });
      continue;
    }
    locks.held.add(file);
    if (existsSync(file)) locks.lines.push(`would remove stale lock ${file}${ownerText(owner)}`);
  }
  return locks;
}

function ownerText(owner: LockOwner | undefined): string {
  return owner ? ` (pid ${owner.pid} of run ${owner.runId} is gone)` : ' (unreadable)';
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function rmdirIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // not ours to worry about
  }
}
