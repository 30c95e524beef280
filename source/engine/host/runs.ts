import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay, type RunState } from '../../core/state.js';
import { readJournal } from '../journal.js';
import { ensureDir, runPaths, type RunPaths } from './paths.js';

export interface RunMeta {
  runId: string;
  file: string;
  createdAt: number;
}

export interface RunSummary {
  meta: RunMeta;
  paths: RunPaths;
  state: RunState;
}

export function createRun(stateDir: string, runId: string, file: string): RunPaths {
  const paths = runPaths(stateDir, runId);
  ensureDir(paths.runDir);
  ensureDir(paths.inbox);
  const meta: RunMeta = { runId, file, createdAt: Date.now() };
  writeFileSync(paths.meta, JSON.stringify(meta));
  return paths;
}

/** Every run recorded in a state dir, oldest first. */
export function listRuns(stateDir: string): RunMeta[] {
  const dir = join(stateDir, 'runs');
  if (!existsSync(dir)) return [];
  const runs: RunMeta[] = [];
  for (const name of readdirSync(dir)) {
    try {
      runs.push(JSON.parse(readFileSync(join(dir, name, 'run.json'), 'utf8')) as RunMeta);
    } catch {
      // a run dir without metadata is not a run we can resume
    }
  }
  // Run ids sort by second only; two runs in one second are told apart by creation time.
  return runs.sort((a, b) => a.createdAt - b.createdAt || a.runId.localeCompare(b.runId));
}

/** Rebuilds a run's state by replaying its journal through the reducer. */
export function loadRun(stateDir: string, meta: RunMeta): RunSummary {
  const paths = runPaths(stateDir, meta.runId);
  return { meta, paths, state: replay(readJournal(paths.journal)) };
}

/** Finished for good: every task done, or replaced by a `--fresh` run. */
export function isFinished(state: RunState): boolean {
  return state.stopped?.reason === 'finished' || state.stopped?.reason === 'superseded';
}

/** The latest run of this fleet file, if any. */
export function latestRunOf(stateDir: string, file: string): RunSummary | undefined {
  const mine = listRuns(stateDir).filter((r) => r.file === file);
  const last = mine[mine.length - 1];
  return last ? loadRun(stateDir, last) : undefined;
}

/** An unfinished run of a different fleet file in the same state dir blocks a new run. */
export function otherUnfinishedRun(stateDir: string, file: string): RunSummary | undefined {
  for (const meta of listRuns(stateDir).reverse()) {
    if (meta.file === file) continue;
    const run = loadRun(stateDir, meta);
    if (!isFinished(run.state)) return run;
  }
  return undefined;
}
