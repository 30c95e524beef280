// What `fleet clean` looks at, gathered before anything is decided: the repositories in scope, the
// runs that may own things there, and per repository its fleet refs, worktrees and the git facts
// the planner (engine/clean/plan.ts) needs. Reads only; the locks are taken before (clean-locks.ts).
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCHIVE_REF_PREFIX, BRANCH_REF_PREFIX, FLEET_REF_PREFIX, parseArchiveRef, parseBranchRef } from '../../core/names.js';
import { refsContaining, refWrittenAt, prunableRecords } from '../../git/leftovers.js';
import { canonicalPath } from '../../git/paths.js';
import { listRefs } from '../../git/refs.js';
import { isWorktreeClean, repoInfo, revParse } from '../../git/repo.js';
import { listWorktrees } from '../../git/worktree-list.js';
import type { CleanLocks } from './locks.js';
import type { CleanInventory, CleanRun, RepoSnapshot, WorktreeFacts } from './model.js';
import { commonDirOf, defaultWorktreeDir, fleetWorktreesOf, readRuns, recordedWorktreeDirs, runStatus, specOf } from '../host/inventory.js';
import { stateDirFor } from '../host/paths.js';
import { listRegistered } from '../host/registry.js';

export interface CleanScope {
  /** common dir → top level of each repository to clean. */
  repos: Map<string, string>;
  /** State dirs whose runs may own things in those repos (locked while cleaning). */
  stateDirs: Set<string>;
  /** Further state dirs, read only to recognise runs (a registered fleet file elsewhere). */
  lookupDirs: Set<string>;
  /** Where the user stands, canonical. */
  cwd: string;
}

/**
 * The repository at `cwd`, the projects of `file` when it exists, and with `all` every registered
 * repository. No repository at all gives an empty `repos`; the caller says why.
 */
export async function findCleanScope(options: { cwd: string; file: string; all: boolean; warn: (line: string) => void }): Promise<CleanScope> {
  const repos = new Map<string, string>();
  const stateDirs = new Set<string>();
  // Git runs from the main worktree: run from inside a task worktree, that one may be removed.
  const add = async (path: string) => {
    const info = existsSync(path) ? await repoInfo(path).catch(() => undefined) : undefined;
    if (!info || repos.has(info.commonDir)) return;
    const main = (await listWorktrees(info.topLevel).catch(() => []))[0]?.path;
    repos.set(info.commonDir, main && existsSync(main) ? main : info.topLevel);
  };
  await add(options.cwd);
  const file = resolve(options.cwd, options.file);
  if (existsSync(file)) {
    const real = realpathSync(file);
    const spec = specOf(real);
    if (!spec) options.warn(`warning: ${file} could not be read as a fleet file; its projects are not cleaned`);
    for (const p of spec?.projects ?? []) await add(p.path);
    stateDirs.add(await stateDirFor(real));
  }
  const registered = listRegistered().filter((e) => existsSync(e.stateDir));
  if (options.all) for (const e of registered) for (const r of e.repos) await add(r);
  for (const commonDir of repos.keys()) stateDirs.add(join(commonDir, 'fleet'));
  for (const e of registered) {
    for (const r of e.repos) {
      const dir = await commonDirOf(r);
      if (dir && repos.has(dir)) stateDirs.add(e.stateDir);
    }
  }
  return { repos, stateDirs, lookupDirs: new Set([...stateDirs, ...registered.map((e) => e.stateDir)]), cwd: canonicalPath(options.cwd) };
}

export async function gatherCleanInventory(scope: CleanScope, locks: CleanLocks, archivesOlderThan?: { ms: number; text: string }): Promise<CleanInventory> {
  const runs = await loadCleanRuns(scope, locks);
  const live = locks.live.map((l) => l.owner);
  const repos: RepoSnapshot[] = [];
  for (const [commonDir, topLevel] of scope.repos) {
    const lockOwner = locks.live.find((l) => l.lockFile === join(commonDir, 'fleet', 'lock'))?.owner;
    repos.push(await snapshotRepo(commonDir, topLevel, runs, new Set(live.map((o) => o.runId)), archivesOlderThan !== undefined, lockOwner));
  }
  return { runs, live, repos, cwd: scope.cwd, now: Date.now(), archivesOlderThan };
}

async function loadCleanRuns(scope: CleanScope, locks: CleanLocks): Promise<CleanRun[]> {
  const dirs = new Set(scope.lookupDirs);
  for (const { owner } of locks.live) if (owner.stateDir) dirs.add(owner.stateDir);
  const seen = new Set<string>();
  const runs: CleanRun[] = [];
  for (const dir of dirs) {
    for (const known of readRuns(dir)) {
      const id = `${known.stateDir}\0${known.runId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const live = locks.live.find((l) => l.owner.runId === known.runId)?.owner;
      const spec = known.fileExists ? specOf(known.file) : undefined;
      let projects: Map<string, string> | undefined;
      if (spec) {
        projects = new Map();
        for (const p of spec.projects) {
          const common = await commonDirOf(p.path);
          if (common) projects.set(p.name, common);
        }
      }
      const writable = locks.held.has(join(known.stateDir, 'lock'));
      runs.push({ ...known, status: runStatus(known, live !== undefined), live, projects, writable, inScope: scope.stateDirs.has(known.stateDir) });
    }
  }
  return runs;
}

/** A live run's worktrees are not looked into: `git status` there would race its agent. */
async function snapshotRepo(
  commonDir: string,
  topLevel: string,
  runs: CleanRun[],
  liveIds: Set<string>,
  withArchiveTimes: boolean,
  lockOwner: RepoSnapshot['lockOwner'],
): Promise<RepoSnapshot> {
  const refs = await listRefs(topLevel, [BRANCH_REF_PREFIX, FLEET_REF_PREFIX]);
  const dirs = new Set([defaultWorktreeDir(topLevel), ...recordedWorktreeDirs(runs)]);
  for (const run of runs) for (const proj of specOf(run.file)?.projects ?? []) dirs.add(canonicalPath(proj.worktreeDir));
  const { all, fleet } = await fleetWorktreesOf(topLevel, dirs);

  const canonical = new Map<string, string>();
  const facts = new Map<string, WorktreeFacts>();
  for (const w of fleet) {
    canonical.set(w.path, canonicalPath(w.path));
    if (w.kind !== 'task' || (w.runId && liveIds.has(w.runId))) continue;
    const exists = existsSync(w.path);
    facts.set(w.path, {
      exists,
      clean: exists && (await isWorktreeClean(w.path).catch(() => false)),
      head: exists ? await revParse(w.path, 'HEAD').catch(() => undefined) : undefined,
    });
  }
  for (const run of runs) for (const task of Object.values(run.state?.tasks ?? {})) if (task.worktree) canonical.set(task.worktree, canonicalPath(task.worktree));

  const containing = new Map<string, string[]>();
  const archiveMade = new Map<string, number>();
  for (const [ref, oid] of refs) {
    if (parseBranchRef(ref) !== undefined && !containing.has(oid)) {
      containing.set(oid, await refsContaining(topLevel, oid, ['refs/heads/', 'refs/tags/', 'refs/remotes/', FLEET_REF_PREFIX]));
    }
    if (withArchiveTimes && ref.startsWith(ARCHIVE_REF_PREFIX) && parseArchiveRef(ref)) {
      const made = await refWrittenAt(topLevel, ref);
      if (made !== undefined) archiveMade.set(ref, made);
    }
  }
  return { commonDir, topLevel, lockOwner, refs, worktrees: all, fleet, facts, canonical, containing, archiveMade, prunable: await prunableRecords(topLevel) };
}
