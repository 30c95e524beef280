// What `fleet ls` and `fleet status` report from disk and git: every fleet run on this machine,
// live or finished, with its task counts, the worktrees it still has on disk and their size,
// fleet worktrees no run claims (the inventory it reads: engine/host/inventory.ts), and merges a base
// no longer contains.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { countByStatus, type TaskStatus } from '../../core/selectors.js';
import type { FleetSpec } from '../../core/fleet.js';
import type { RunState } from '../../core/state.js';
import { loadFleetFile } from '../../config/load.js';
import { canonicalPath } from '../../git/paths.js';
import { isAncestor, repoInfo, revParse } from '../../git/repo.js';
import type { WorktreeRecord } from '../../git/worktree-list.js';
import {
  type FleetWorktree,
  type RunStatus,
  defaultWorktreeDir,
  diskUsage,
  fleetWorktreesOf,
  forgetSpecs,
  liveOwner,
  lockFilesOf,
  readRuns,
  recordedWorktreeDirs,
  runStatus,
  specOf,
} from './inventory.js';
import type { LockOwner } from './lock.js';
import { stateDirFor } from './paths.js';
import { listRegistered } from './registry.js';

export interface LsWorktree {
  path: string;
  branch: string | null;
  task: string | null;
  /** Its directory is gone (deleted by hand); git still records it. */
  missing: boolean;
  bytes: number;
  complete: boolean;
}

export interface LsRun {
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

export interface LsOther extends LsWorktree {
  repo: string;
  runId: string | null;
}

export interface LsTotal {
  runs: number;
  live: number;
  worktrees: number;
  bytes: number;
  complete: boolean;
}

/**
 * Reads the registry, this directory's state dir and every repository they name. `cwd` is where
 * to look for a fleet.yaml and repository besides the registry; `sizeBudgetMs` bounds the time
 * spent measuring disk usage.
 */
export async function machineReport(cwd: string, sizeBudgetMs = 10_000): Promise<{ runs: LsRun[]; others: LsOther[]; total: LsTotal }> {
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

  const deadline = Date.now() + (sizeBudgetMs);
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
  return { runs, others, total };
}

/** git marks only unlocked worktrees prunable; fleet's are locked, so look at the disk too. */
function isMissing(w: WorktreeRecord): boolean {
  return w.prunable !== undefined || !existsSync(w.path);
}

/** docs/design.md#advancing-base: a merged task is never re-queued, but if its base later stops containing it, say so. */
export async function mergesNoLongerInBase(state: RunState): Promise<Set<string>> {
  const gone = new Set<string>();
  let spec: FleetSpec;
  try {
    spec = loadFleetFile(state.file);
  } catch {
    return gone; // the file changed or went away; nothing to compare against
  }
  for (const key of state.order) {
    const t = state.tasks[key]!;
    const project = spec.projects.find((p) => p.name === t.project);
    if (t.state !== 'merged' || !t.mergedCommit || !project) continue;
    const base = await revParse(project.path, `refs/heads/${t.base}`).catch(() => undefined);
    if (base && !(await isAncestor(project.path, t.mergedCommit, base).catch(() => true))) gone.add(key);
  }
  return gone;
}
