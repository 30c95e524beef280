// Serializes worktree bookkeeping (add/remove/prune) per repository. Concurrent `worktree add`
// calls read each other's half-written admin dirs and can even check one branch out three times
// (docs/design.md#creating-a-tasks-worktree), so every admin step holds this lock: an in-process queue keyed by the
// common dir, plus a lock file so two fleet processes on one repo also take turns.
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { repoInfo } from './repo.js';

export class WorktreeLockTimeoutError extends Error {
  override name = 'WorktreeLockTimeoutError';
  constructor(
    readonly lockFile: string,
    readonly holder: string,
  ) {
    super(`Timed out waiting for the worktree lock ${lockFile}, held by process ${holder}.`);
  }
}

const LOCK_WAIT_MS = 120_000;
/** A lock file still empty after this long belongs to a process that died between create and write. */
const EMPTY_LOCK_GRACE_MS = 10_000;
const tails = new Map<string, Promise<unknown>>();

export async function withWorktreeAdminLock<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const { commonDir } = await repoInfo(repo);
  const previous = tails.get(commonDir) ?? Promise.resolve();
  const run = previous.then(
    () => holdingLockFile(commonDir, fn),
    () => holdingLockFile(commonDir, fn),
  );
  // The chain must never reject, or one failure would fail everyone queued behind it.
  const tail = run.catch(() => undefined);
  tails.set(commonDir, tail);
  try {
    return await run;
  } finally {
    if (tails.get(commonDir) === tail) tails.delete(commonDir);
  }
}

async function holdingLockFile<T>(commonDir: string, fn: () => Promise<T>): Promise<T> {
  const dir = join(commonDir, 'fleet');
  const file = join(dir, 'worktree.lock');
  await mkdir(dir, { recursive: true });
  await acquire(file);
  try {
    return await fn();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}

async function acquire(file: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let delay = 10;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (isStale(holder) || (holder === '' && (await olderThan(file, EMPTY_LOCK_GRACE_MS)))) {
      // Re-read right before removing, so a lock a live process just took is left alone.
      const again = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (again === holder) await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new WorktreeLockTimeoutError(file, holder || 'unknown');
    await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * A holder is stale when its pid is dead, or is this very process (which only reaches here
 * through the in-process queue, so a file naming us is left over from an interrupted release).
 * An empty file is a holder that has created but not yet written it: stale only once it is old.
 */
function isStale(holder: string): boolean {
  if (!/^\d+$/.test(holder)) return false;
  const pid = Number(holder);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}
