import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoInfo } from '../../git/repo.js';

/** Where a fleet file's state lives: inside the git common dir of the repo holding it (never tracked), else .fleet/ beside it. */
export async function stateDirFor(fleetFile: string): Promise<string> {
  const dir = dirname(fleetFile);
  try {
    const { commonDir } = await repoInfo(dir);
    return join(commonDir, 'fleet');
  } catch {
    return join(dir, '.fleet');
  }
}

export interface RunPaths {
  stateDir: string;
  runId: string;
  runDir: string;
  journal: string;
  snapshot: string;
  meta: string;
  inbox: string;
  logsDir: string;
}

export function runPaths(stateDir: string, runId: string): RunPaths {
  const runDir = join(stateDir, 'runs', runId);
  return {
    stateDir,
    runId,
    runDir,
    journal: join(runDir, 'journal.jsonl'),
    snapshot: join(runDir, 'state.json'),
    meta: join(runDir, 'run.json'),
    inbox: join(runDir, 'inbox'),
    logsDir: join(stateDir, 'logs', runId),
  };
}

export function ensureDir(path: string): string {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/** logs/<run>/[<project>/]<id>/<attempt>/ — the project level only when the file has projects. */
export function attemptLogDir(paths: RunPaths, task: { project: string; id: string; asCandidate?: number }, multiProject: boolean, attempt: number): string {
  const parts = multiProject ? [task.project, task.id] : [task.id];
  return join(paths.logsDir, ...parts, task.asCandidate ? `${attempt}@${task.asCandidate}` : String(attempt));
}

/** A run id is a valid ref component and sorts by time: 20261125-154907-3fa2. */
export function newRunId(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}
