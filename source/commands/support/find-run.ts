import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, readLock, type LockOwner } from '../../engine/host/lock.js';
import { stateDirFor } from '../../engine/host/paths.js';
import { latestRunOf, listRuns, loadRun, type RunSummary } from '../../engine/host/runs.js';
import { UserError } from './user-error.js';

export interface FoundRun extends RunSummary {
  stateDir: string;
  /** The live engine driving this run, if one holds the lock. */
  live?: LockOwner;
}

/**
 * The run `status` and the task actions talk about: the latest run of -f FILE (default
 * ./fleet.yaml), or without such a file, the latest run recorded for the repository here.
 */
export async function findRun(file: string | undefined): Promise<FoundRun> {
  const path = resolve(file ?? 'fleet.yaml');
  const hasFile = existsSync(path);
  if (file && !hasFile) throw new UserError(`${file} does not exist`, 'check the path given to -f', 2);
  const real = hasFile ? realpathSync(path) : undefined;
  const stateDir = await stateDirFor(real ?? join(process.cwd(), 'fleet.yaml'));
  let run: RunSummary | undefined = real ? latestRunOf(stateDir, real) : undefined;
  if (!run && !file) {
    const last = listRuns(stateDir).at(-1);
    run = last ? loadRun(stateDir, last) : undefined;
  }
  if (!run) throw new UserError('there is no fleet run here yet', 'start one with `fleet run` (or try `fleet demo`)', 3);
  const lock = readLock(join(stateDir, 'lock'));
  const live = lock && lock.runId === run.meta.runId && isAlive(lock) ? lock : undefined;
  return { ...run, stateDir, live };
}

/** Accepts a full key, or a bare id when only one project has it. */
export function resolveKey(id: string, keys: string[]): string {
  if (keys.includes(id)) return id;
  const matches = keys.filter((k) => k.endsWith(`:${id}`));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UserError(`"${id}" is ambiguous: ${matches.join(', ')}`, 'name the task as project:id', 2);
  throw new UserError(`there is no task "${id}" in this run`, `the tasks are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`, 2);
}
