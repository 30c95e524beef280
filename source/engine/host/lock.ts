import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { processStartTime } from '../../agents/processes.js';

export interface LockOwner {
  pid: number;
  /** Process start time (clock ticks since boot, from /proc), so a recycled pid is not mistaken for the owner. */
  startTime: string;
  host: string;
  file: string;
  runId: string;
  stateDir: string;
  at: number;
}

export function isAlive(owner: Pick<LockOwner, 'pid' | 'startTime' | 'host'>): boolean {
  if (owner.host !== hostname()) return true; // cannot tell; assume the other machine's run is live
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStartTime(owner.pid);
  return start === '' || owner.startTime === '' || start === owner.startTime;
}

export function readLock(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export type LockResult = { ok: true; tookOverFrom?: LockOwner } | { ok: false; holder: LockOwner };

/** O_EXCL create; a lock whose owner is dead (or whose pid was recycled) is taken over. */
export function acquireLock(path: string, owner: Omit<LockOwner, 'pid' | 'startTime' | 'host' | 'at'>): LockResult {
  const me: LockOwner = { ...owner, pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), at: Date.now() };
  let tookOverFrom: LockOwner | undefined;
  for (let tries = 0; tries < 5; tries++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return { ok: true, tookOverFrom };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(path);
    if (holder && holder.pid === me.pid && holder.startTime === me.startTime) return { ok: true };
    if (holder && isAlive(holder)) return { ok: false, holder };
    // Dead owner, or a lock cut short by a crash before its content was written.
    tookOverFrom = holder ?? tookOverFrom;
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first; look again
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

export function releaseLock(path: string): void {
  const holder = readLock(path);
  if (holder && holder.pid === process.pid) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
