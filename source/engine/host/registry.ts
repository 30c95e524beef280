// A machine-wide index of fleet files and their state dirs, so `fleet ls` and `fleet clean --all`
// can find every run on this machine, including runs of fleet files that no longer exist.
// It is an index, never the truth: each run's own state dir and the repos' refs are. So it is
// written best-effort and read tolerantly — a damaged or missing registry is an empty one.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

export interface RegistryEntry {
  /** Realpath of the fleet file. */
  file: string;
  /** Where its runs live (`<git-common-dir>/fleet/` or `.fleet/` beside the file). */
  stateDir: string;
  /** Top levels of the repositories its projects point at. */
  repos: string[];
  lastRunId: string;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

/** `$XDG_STATE_HOME/fleet` (default `~/.local/state/fleet`), per the XDG base directory spec. */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'fleet');
}

export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(registryDir(env), 'registry.json');
}

/** Every entry that parses; anything malformed (a hand edit, a half-written file) is skipped. */
export function listRegistered(path = registryPath()): RegistryEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  const list = Array.isArray(raw) ? raw : (raw as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) return [];
  return list.filter(isEntry).map((e) => ({ ...e, repos: [...e.repos] }));
}

function isEntry(value: unknown): value is RegistryEntry {
  const e = value as Partial<RegistryEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.file === 'string' &&
    typeof e.stateDir === 'string' &&
    Array.isArray(e.repos) &&
    e.repos.every((r) => typeof r === 'string') &&
    typeof e.lastRunId === 'string' &&
    typeof e.updatedAt === 'number'
  );
}

/**
 * Records (or refreshes) the entry of one fleet file. Never throws: a registry that cannot be
 * written must not stop a run, it only makes `fleet ls` less complete.
 */
export function registerRun(entry: Omit<RegistryEntry, 'updatedAt'> & { updatedAt?: number }, path = registryPath()): boolean {
  const next: RegistryEntry = { ...entry, repos: [...new Set(entry.repos)], updatedAt: entry.updatedAt ?? Date.now() };
  return updateRegistry(path, (entries) => [...entries.filter((e) => e.file !== next.file || e.stateDir !== next.stateDir), next]);
}

/** Drops the entries `drop` selects; returns them (empty when nothing matched or on failure). */
export function unregister(drop: (entry: RegistryEntry) => boolean, path = registryPath()): RegistryEntry[] {
  const dropped: RegistryEntry[] = [];
  const ok = updateRegistry(path, (entries) =>
    entries.filter((e) => {
      if (!drop(e)) return true;
      dropped.push(e);
      return false;
    }),
  );
  return ok ? dropped : [];
}

/** Read-modify-write under a small lock file, so two fleets starting at once do not drop each other's entry. */
function updateRegistry(path: string, change: (entries: RegistryEntry[]) => RegistryEntry[]): boolean {
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const unlock = lockFile(`${path}.lock`);
    try {
      const entries = change(listRegistered(path)).sort((a, b) => a.file.localeCompare(b.file));
      writeFileAtomic(path, `${JSON.stringify({ version: 1, entries }, null, 1)}\n`);
      return true;
    } finally {
      unlock();
    }
  } catch {
    return false;
  }
}

const LOCK_TRIES = 50;
const LOCK_WAIT_MS = 20;
/** A registry update takes milliseconds; a lock this old was left by a killed process. */
const STALE_LOCK_MS = 10_000;

/**
 * O_EXCL lock with a short synchronous wait (registerRun is called from synchronous start-up
 * code). If it cannot be had, the update goes ahead anyway: losing an index entry is better
 * than blocking a run.
 */
function lockFile(lock: string): () => void {
  for (let i = 0; i < LOCK_TRIES; i++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return () => undefined;
    }
    if (isStale(lock)) {
      try {
        unlinkSync(lock);
      } catch {
        // someone else removed it
      }
      continue;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_WAIT_MS);
  }
  return () => undefined;
}

function isStale(lock: string): boolean {
  try {
    return existsSync(lock) && Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false;
  }
}
