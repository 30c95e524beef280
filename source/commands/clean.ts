// `fleet clean`: finds what fleet left behind — task and gate worktrees, fleet/* branches,
// refs/fleet/<run>/* refs, stale locks — that no live run owns, archives anything holding work
// that is not merged, removes the rest, and says what it did, one line per action.
//
// What it never touches: a live run's things (its lock is held by a live process), an unfinished
// run's worktrees, branches and refs (the next `fleet run` resumes them), worktrees fleet did not
// make, the user's main checkout, and `refs/fleet/<run>/merged/*` (the record of what landed).
import { existsSync, mkdirSync, readdirSync, realpathSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isSameProcess, killTask } from '../agents/processes.js';
import { parseDuration } from '../core/duration.js';
import type { FleetEvent } from '../core/events.js';
import { HAS_RUNNING_PROCESS as ACTIVE, NEEDS_NO_WORKTREE as SETTLED, runExitCode } from '../core/selectors.js';
import { replay, type TaskRecord } from '../core/state.js';
import { writeFileAtomic } from '../engine/atomic-write.js';
import { Journal, readJournal } from '../engine/journal.js';
import { acquireLock, isAlive, readLock, type LockOwner } from '../engine/lock.js';
import { runPaths, stateDirFor } from '../engine/paths.js';
import { listRegistered, unregister } from '../engine/registry.js';
import { archiveAndRemove, removeTaskWorktree } from '../git/archive.js';
import { git } from '../git/exec.js';
import { canonicalPath } from '../git/paths.js';
import { deleteRef, listRefs } from '../git/refs.js';
import { isWorktreeClean, repoInfo, revParse } from '../git/repo.js';
import { pruneWorktrees, removeWorktree } from '../git/worktree.js';
import { listWorktrees, type WorktreeRecord } from '../git/worktree-list.js';
import {
  commonDirOf,
  defaultWorktreeDir,
  fleetWorktreesOf,
  forgetSpecs,
  lockFilesOf,
  readRuns,
  recordedWorktreeDirs,
  runStatus,
  specOf,
  type FleetWorktree,
  type KnownRun,
  type RunStatus,
} from '../engine/inventory.js';
import { UserError } from './user-error.js';

export interface CleanOptions {
  /** Where "the repository here" and ./fleet.yaml are looked for (default: process.cwd()). */
  cwd?: string;
  /** A fleet file whose projects are cleaned too (default: ./fleet.yaml when it exists). */
  file?: string;
  /** Every repository in the machine's registry, not just this one. */
  all?: boolean;
  dryRun?: boolean;
  /** e.g. "30d": also delete archive refs older than this. Without it archives are never deleted. */
  archivesOlderThan?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** The `file` a clean writes into the lock, so a run that finds it knows who holds it. */
const CLEAN_HOLDER = '(fleet clean)';
const FLEET_BRANCH = 'refs/heads/fleet/';

interface Run extends KnownRun {
  status: RunStatus;
  live?: LockOwner;
  /** project name → common dir; missing names (or no map at all: file gone) mean "could be any repo". */
  projects?: Map<string, string>;
  /** We hold its state dir's lock, so we may append to its journal. */
  writable: boolean;
  /** Its state dir belongs to the repositories being cleaned (not only read to recognise run ids). */
  inScope: boolean;
}

interface Action {
  /** What it would do, for --dry-run ("remove …"). */
  would: string;
  /** Does it; returns the line saying what was done. */
  act: () => Promise<string>;
  run?: Run;
  /** Runs only when no earlier action of the same run failed (marking a run superseded). */
  final?: boolean;
}

interface Kept {
  worktrees: number;
  branches: number;
  refs: number;
}

export async function cleanCommand(options: CleanOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const dry = options.dryRun === true;
  const maxAge = options.archivesOlderThan === undefined ? undefined : parseAge(options.archivesOlderThan);
  if (options.archivesOlderThan !== undefined && maxAge === undefined) {
    throw new UserError(`"${options.archivesOlderThan}" is not an age`, 'write it as a number and a unit, e.g. 30d, 2w, 12h', 2);
  }
  forgetSpecs();
  const scope = await findScope(options);
  const say = (line: string) => out.write(`${line}\n`);

  const locks = dry ? inspectLocks(scope) : takeLocks(scope);
  try {
    for (const line of locks.lines) say(line);
    const runs = await loadRuns(scope, locks);
    const plan: Action[] = [];
    const notes: string[] = [];
    const kept = new Map<Run, Kept>();
    const chosen = new Set<string>();
    for (const [commonDir, topLevel] of scope.repos) {
      const blocker = locks.live.find((o) => o.lockFile === join(commonDir, 'fleet', 'lock') && !runs.some((r) => r.runId === o.owner.runId && r.state));
      if (blocker) {
        notes.push(`left ${topLevel} alone: a live fleet (pid ${blocker.owner.pid}, run ${blocker.owner.runId}) holds it and its run cannot be read`);
        continue;
      }
      await planRepo({ commonDir, topLevel, runs, plan, notes, kept, chosen, maxAge, ageText: options.archivesOlderThan ?? '', live: locks.live.map((l) => l.owner), cwd: scope.cwd });
    }
    planAbandoned(runs, plan);
    let acted = locks.lines.length;
    if (options.all && !dry) {
      for (const e of unregister((entry) => !existsSync(entry.stateDir))) {
        say(`forgot ${e.file} in the registry: its state dir ${e.stateDir} is gone`);
        acted++;
      }
    }

    let failures = 0;
    const failedRuns = new Set<Run>();
    for (const action of plan) {
      if (action.final && action.run && failedRuns.has(action.run)) continue;
      acted++;
      if (dry) {
        say(`would ${action.would}`);
        continue;
      }
      try {
        say(await action.act());
      } catch (error) {
        failures++;
        if (action.run) failedRuns.add(action.run);
        say(`failed to ${action.would}: ${(error as Error).message}`);
      }
    }
    for (const [run, k] of kept) notes.push(keptNote(run, k));
    for (const note of notes) say(note);
    if (acted === 0) say('nothing to clean');
    else if (dry) say('(dry run: nothing was changed)');
    return failures > 0 ? 1 : 0;
  } finally {
    locks.release();
  }
}

/** "30d", "2w", "12h", "1d12h": parseDuration's units plus days and weeks; a bare number is refused. */
export function parseAge(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return parseDuration(trimmed.replace(/(\d+(?:\.\d+)?)([dw])/g, (_, n: string, unit: string) => `${Number(n) * (unit === 'w' ? 168 : 24)}h`));
}

// ───────────────────────────── scope ─────────────────────────────

interface Scope {
  /** common dir → top level of each repository to clean. */
  repos: Map<string, string>;
  /** State dirs whose runs may own things in those repos (locked while cleaning). */
  stateDirs: Set<string>;
  /** Further state dirs, read only to recognise runs (a registered fleet file elsewhere). */
  lookupDirs: Set<string>;
  /** Where the user stands: a worktree holding it is not removed from under them. */
  cwd: string;
}

/** The repository here, the projects of ./fleet.yaml (or -f), and with --all every registered repository. */
async function findScope(options: CleanOptions): Promise<Scope> {
  const cwd = options.cwd ?? process.cwd();
  const stderr = options.stderr ?? process.stderr;
  const repos = new Map<string, string>();
  const stateDirs = new Set<string>();
  // Git runs from the main worktree: run from inside a task worktree, that one may be removed.
  const add = async (path: string) => {
    const info = existsSync(path) ? await repoInfo(path).catch(() => undefined) : undefined;
    if (!info || repos.has(info.commonDir)) return;
    const main = (await listWorktrees(info.topLevel).catch(() => []))[0]?.path;
    repos.set(info.commonDir, main && existsSync(main) ? main : info.topLevel);
  };
  await add(cwd);
  const file = resolve(cwd, options.file ?? 'fleet.yaml');
  if (options.file && !existsSync(file)) throw new UserError(`${options.file} does not exist`, 'check the path given to -f', 2);
  if (existsSync(file)) {
    const real = realpathSync(file);
    const spec = specOf(real);
    if (!spec) stderr.write(`warning: ${file} could not be read as a fleet file; its projects are not cleaned\n`);
    for (const p of spec?.projects ?? []) await add(p.path);
    stateDirs.add(await stateDirFor(real));
  }
  const registered = listRegistered().filter((e) => existsSync(e.stateDir));
  if (options.all) for (const e of registered) for (const r of e.repos) await add(r);
  if (repos.size === 0) {
    throw new UserError(
      options.all ? 'no repository to clean: none is registered and this is not one' : 'this is not inside a git repository',
      'run `fleet clean` inside the repository to clean (or beside its fleet.yaml), or use `fleet clean --all`',
      2,
    );
  }
  for (const commonDir of repos.keys()) stateDirs.add(join(commonDir, 'fleet'));
  for (const e of registered) {
    for (const r of e.repos) {
      const dir = await commonDirOf(r);
      if (dir && repos.has(dir)) stateDirs.add(e.stateDir);
    }
  }
  return { repos, stateDirs, lookupDirs: new Set([...stateDirs, ...registered.map((e) => e.stateDir)]), cwd: canonicalPath(cwd) };
}

// ───────────────────────────── locks ─────────────────────────────

interface Locks {
  /** Locks held by live processes: their runs are left alone. */
  live: { lockFile: string; owner: LockOwner }[];
  /** Lock files we hold for the duration of the clean. */
  held: Set<string>;
  lines: string[];
  release(): void;
}

/**
 * Takes every lock a run would take (sorted, as `fleet run` does), so no run starts or resumes
 * while things are being removed. A lock whose owner is dead is taken over: that is the stale
 * lock removal, and it is reported.
 */
function takeLocks(scope: Scope): Locks {
  const token = `clean-${process.pid}-${Date.now()}`;
  const locks: Locks = { live: [], held: new Set(), lines: [], release: () => undefined };
  const created: string[] = [];
  locks.release = () => {
    for (const file of locks.held) {
      const holder = readLock(file);
      if (holder?.runId === token && holder.pid === process.pid) unlinkQuietly(file);
    }
    for (const dir of created) rmdirIfEmpty(dir);
  };
  try {
    for (const file of lockFilesOf(scope.stateDirs, scope.repos.keys())) {
      const before = readLock(file);
      if (before && isAlive(before)) {
        if (before.file === CLEAN_HOLDER) throw new UserError(`another \`fleet clean\` (pid ${before.pid}) is running here`, 'wait for it to finish', 3);
        locks.live.push({ lockFile: file, owner: before });
        continue;
      }
      const dir = dirname(file);
      const isRepoLock = [...scope.repos.keys()].some((c) => join(c, 'fleet') === dir);
      if (!existsSync(dir)) {
        if (!isRepoLock) continue;
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

/** --dry-run: the same questions, answered by reading only; `held` is what a real clean would hold. */
function inspectLocks(scope: Scope): Locks {
  const locks: Locks = { live: [], held: new Set(), lines: [], release: () => undefined };
  for (const file of lockFilesOf(scope.stateDirs, scope.repos.keys())) {
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

// ───────────────────────────── runs ─────────────────────────────

async function loadRuns(scope: Scope, locks: Locks): Promise<Run[]> {
  const dirs = new Set(scope.lookupDirs);
  for (const { owner } of locks.live) if (owner.stateDir) dirs.add(owner.stateDir);
  const seen = new Set<string>();
  const runs: Run[] = [];
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
          const dir = await commonDirOf(p.path);
          if (dir) projects.set(p.name, dir);
        }
      }
      const writable = locks.held.has(join(known.stateDir, 'lock'));
      runs.push({ ...known, status: runStatus(known, live !== undefined), live, projects, writable, inScope: scope.stateDirs.has(known.stateDir) });
    }
  }
  return runs;
}

/** Could this task of `run` have its worktree and branch in the repository `commonDir`? */
function taskIn(run: Run, task: TaskRecord, commonDir: string): boolean {
  const dir = run.projects?.get(task.project);
  return dir === undefined || dir === commonDir;
}

/**
 * Why a task's worktree or branch must stay, or undefined when it is a leftover. A live run's
 * task always keeps it; an unfinished run's only once it started (attempt > 0) and until it settled.
 */
function keepReason(run: Run, task: TaskRecord | undefined): string | undefined {
  if (run.status === 'live') return 'live';
  if (run.status === 'damaged') return 'damaged';
  if (run.status === 'unfinished' && task && task.attempt > 0 && !SETTLED.has(task.state)) return 'unfinished';
  return undefined;
}

/** Why a leftover goes, in words. */
function leftoverReason(run: Run | undefined, task: TaskRecord | undefined, runId: string | undefined): string {
  if (!run) return runId ? `run ${runId} is not on record` : 'no run on record owns it';
  switch (run.status) {
    case 'finished':
      return `run ${run.runId} finished`;
    case 'superseded':
      return `run ${run.runId} was superseded`;
    case 'abandoned':
      return `run ${run.runId}'s fleet file ${run.file} is gone`;
    default:
      if (!task) return `its task is no longer in run ${run.runId}`;
      return task.state === 'merged' ? `${task.key} merged; its cleanup was pending` : `${task.key} is ${task.state}`;
  }
}

function keptNote(run: Run, k: Kept): string {
  const parts = [
    k.worktrees > 0 ? `${k.worktrees} worktree${k.worktrees === 1 ? '' : 's'}` : '',
    k.branches > 0 ? `${k.branches} branch${k.branches === 1 ? '' : 'es'}` : '',
    k.refs > 0 ? `${k.refs} ref${k.refs === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const what = parts.length > 0 ? parts.join(', ') : 'its things';
  switch (run.status) {
    case 'live':
      return `left run ${run.runId} alone: it is running (pid ${run.live?.pid}); kept its ${what}`;
    case 'damaged':
      return `kept ${what} of run ${run.runId}: its journal cannot be read (${run.damaged})`;
    default:
      return (
        `run ${run.runId} is unfinished: kept its ${what}; resume it with \`fleet run -f ${run.file}\`, ` +
        `or archive its work and start over with \`fleet run --fresh -f ${run.file}\``
      );
  }
}

// ───────────────────────────── planning one repository ─────────────────────────────

interface RepoPlan {
  commonDir: string;
  topLevel: string;
  runs: Run[];
  plan: Action[];
  notes: string[];
  kept: Map<Run, Kept>;
  /** Archive refs already promised to an earlier action. */
  chosen: Set<string>;
  maxAge?: number;
  ageText: string;
  live: LockOwner[];
  cwd: string;
}

async function planRepo(p: RepoPlan): Promise<void> {
  const { commonDir, topLevel: repo, runs } = p;
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const liveIds = new Set(p.live.map((o) => o.runId));
  const keep = (run: Run, what: keyof Kept) => {
    const k = p.kept.get(run) ?? { worktrees: 0, branches: 0, refs: 0 };
    k[what]++;
    p.kept.set(run, k);
  };
  const refs = await listRefs(repo, ['refs/heads/fleet/', 'refs/fleet/']);
  const dirs = new Set([defaultWorktreeDir(repo), ...recordedWorktreeDirs(runs)]);
  for (const run of runs) for (const proj of specOf(run.file)?.projects ?? []) dirs.add(canonicalPath(proj.worktreeDir));
  const { all, fleet } = await fleetWorktreesOf(repo, dirs);
  const handledBranches = new Set<string>();
  let removingPrunable = false;
  for (const ref of refs.keys()) if (ref.startsWith('refs/fleet/archive/')) p.chosen.add(ref);
  // A run whose journal cannot be read may own any unattributed fleet branch or worktree here.
  const damagedHere = runs.filter((r) => r.status === 'damaged' && r.inScope);

  // Every task record (of runs that may use this repo) that points at a worktree path.
  const claims = new Map<string, { run: Run; task: TaskRecord }[]>();
  for (const run of runs) {
    for (const task of Object.values(run.state?.tasks ?? {})) {
      if (!task.worktree || !taskIn(run, task, commonDir)) continue;
      const path = canonicalPath(task.worktree);
      claims.set(path, [...(claims.get(path) ?? []), { run, task }]);
    }
  }

  for (const w of fleet) {
    const branchRef = w.record.branch;
    if (branchRef) handledBranches.add(branchRef);
    if (w.kind === 'gate') {
      const run = w.runId ? byId.get(w.runId) : undefined;
      if (w.runId && liveIds.has(w.runId)) {
        if (run) keep(run, 'worktrees');
        continue;
      }
      p.plan.push({
        would: `remove merge gate worktree ${w.path} (run ${w.runId} is not running)`,
        act: async () => {
          await removeWorktree(repo, w.path);
          return `removed merge gate worktree ${w.path} (run ${w.runId} is not running)`;
        },
      });
      continue;
    }

    // A task worktree: the run its lock names decides, and so does any run whose record points here.
    const named = w.runId ? byId.get(w.runId) : undefined;
    const namedTask = named?.state && w.key ? named.state.tasks[w.key] : undefined;
    const pointing = claims.get(canonicalPath(w.path)) ?? [];
    if (w.runId && liveIds.has(w.runId)) {
      if (named) keep(named, 'worktrees');
      continue;
    }
    const guard = [
      ...(named ? [{ run: named, task: namedTask }] : []),
      ...pointing,
    ].find(({ run, task }) => keepReason(run, task) !== undefined);
    if (guard) {
      keep(guard.run, 'worktrees');
      continue;
    }
    if (!w.runId && pointing.length === 0 && damagedHere.length > 0) {
      keep(damagedHere[0]!, 'worktrees'); // it may be the unreadable run's
      continue;
    }
    if (p.cwd === canonicalPath(w.path) || p.cwd.startsWith(`${canonicalPath(w.path)}/`)) {
      p.notes.push(`kept ${w.path}: you are in it; run \`fleet clean\` from elsewhere to remove it`);
      continue;
    }
    const owner = named ?? pointing.at(-1)?.run;
    const task = namedTask ?? pointing.at(-1)?.task;
    const branch = branchRef?.startsWith(FLEET_BRANCH) ? branchRef.slice('refs/heads/'.length) : `fleet/${w.id}`;
    p.plan.push(await worktreeAction(p, w, branch, owner, task, leftoverReason(owner, task, w.runId), w.runId));
    removingPrunable ||= w.record.prunable !== undefined || !existsSync(w.path);
    handledBranches.add(`refs/heads/${branch}`);
  }

  // fleet/* branches with no worktree of their own.
  for (const [ref, tip] of refs) {
    if (!ref.startsWith(FLEET_BRANCH) || handledBranches.has(ref)) continue;
    const id = ref.slice(FLEET_BRANCH.length);
    const holder = all.find((w) => w.branch === ref);
    if (holder) {
      p.notes.push(`kept branch fleet/${id}: it is checked out in ${holder.path}, which fleet did not make`);
      continue;
    }
    const owners = runs.flatMap((run) =>
      Object.values(run.state?.tasks ?? {})
        .filter((t) => t.id === id && taskIn(run, t, commonDir))
        .map((task) => ({ run, task })),
    );
    const guard = owners.find(({ run, task }) => keepReason(run, task) !== undefined);
    if (guard) {
      keep(guard.run, 'branches');
      continue;
    }
    if (damagedHere.length > 0) {
      keep(damagedHere[0]!, 'branches');
      continue;
    }
    const last = owners.at(-1);
    p.plan.push(await branchAction(p, id, tip, last?.run, last?.task, leftoverReason(last?.run, last?.task, undefined)));
  }

  planRunRefs(p, refs, byId, liveIds, keep);
  if (p.maxAge !== undefined) await planOldArchives(p, refs, liveIds);
  p.plan.push(...(await pruneAction(repo, all, fleet, removingPrunable, p.notes)));
}

/** A merged task whose worktree or branch clean removed: its run stops saying "cleanup pending". */
function recordCleanup(run: Run | undefined, task: TaskRecord | undefined): string {
  if (!run || !task || task.state !== 'merged' || !run.writable || run.status === 'live') return '';
  if (task.cleanupPending === undefined && task.worktree === undefined) return '';
  appendToRun(run, [{ type: 'cleanup_done', key: task.key, at: Date.now() }]);
  return `; recorded in run ${run.runId} that the cleanup of ${task.key} is done`;
}

async function worktreeAction(
  p: RepoPlan,
  w: FleetWorktree,
  branch: string,
  owner: Run | undefined,
  task: TaskRecord | undefined,
  why: string,
  lockRun: string | undefined,
): Promise<Action> {
  const repo = p.topLevel;
  const tip = await revParse(repo, `refs/heads/${branch}`);
  const keptIn = tip ? await containedIn(repo, tip, task) : undefined;
  const gone = w.record.prunable !== undefined || !existsSync(w.path);
  const ref = archiveRefFor(p, w.id ?? branch.slice('fleet/'.length), owner?.runId ?? lockRun, task?.attempt);
  // With its commits kept elsewhere, only what is not committed (or a HEAD off the branch) is archived.
  const archives = !keptIn || gone || !(await isWorktreeClean(w.path).catch(() => false)) || (await revParse(w.path, 'HEAD').catch(() => undefined)) !== tip;
  const what = `worktree ${w.path}${tip ? ` and branch ${branch}` : ''} (${why}${gone ? '; its directory is already gone' : ''})`;
  const message = `fleet clean: archive of ${task?.key ?? branch}${owner ? ` (run ${owner.runId})` : ''}`;
  return {
    would: `remove ${what}, ${archives ? `archiving its work at ${ref}` : `with nothing to archive: its commits are in ${keptIn}`}`,
    act: async () => {
      if (owner && task && ACTIVE.has(task.state)) await stopProcesses(owner, task);
      const archived = keptIn
        ? await removeTaskWorktree(repo, { worktree: w.path, branch, archiveRef: ref, message })
        : await archiveAndRemove(repo, { worktree: w.path, branch, ref, message });
      const done = `removed ${what}; ${archived ? `its work is archived at ${archived}` : keptIn ? `nothing to archive: its commits are in ${keptIn}` : 'there was nothing to archive'}`;
      return done + recordCleanup(owner, task);
    },
    run: owner,
  };
}

async function branchAction(p: RepoPlan, id: string, tip: string, owner: Run | undefined, task: TaskRecord | undefined, why: string): Promise<Action> {
  const repo = p.topLevel;
  const branch = `fleet/${id}`;
  const keptIn = await containedIn(repo, tip, task);
  const ref = keptIn ? undefined : archiveRefFor(p, id, owner?.runId, task?.attempt);
  return {
    would: `delete branch ${branch} (${why}), ${ref ? `archiving its commits at ${ref}` : `with nothing to archive: its commits are in ${keptIn}`}`,
    act: async () => {
      if (ref) {
        const archived = await archiveAndRemove(repo, { branch, ref, message: `fleet clean: archive of branch ${branch}` });
        return `deleted branch ${branch} (${why}); its commits are archived at ${archived}${recordCleanup(owner, task)}`;
      }
      const result = await deleteRef(repo, `refs/heads/${branch}`, tip);
      if (result === 'moved') throw new Error(`${branch} moved while fleet was deleting it; it was kept`);
      return `deleted branch ${branch} (${why}); nothing to archive: its commits are in ${keptIn}${recordCleanup(owner, task)}`;
    },
    run: owner,
  };
}

/**
 * refs/fleet/<run>/{base,candidates,review}/* of runs that are over (finished, superseded,
 * abandoned, or not on record) go: they only serve resuming and the merge decision, and the work
 * they point at is in base or archived. merged/* records stay. An unfinished run keeps its refs,
 * except the base ref of a task that merged (the merge queue deletes it after its cleanup).
 */
function planRunRefs(p: RepoPlan, refs: Map<string, string>, byId: Map<string, Run>, liveIds: Set<string>, keep: (run: Run, what: keyof Kept) => void): void {
  const byRun = new Map<string, { ref: string; oid: string; kind: string; id: string }[]>();
  for (const [ref, oid] of refs) {
    const m = /^refs\/fleet\/([^/]+)\/(base|candidates|merged|review)\/(.+)$/.exec(ref);
    if (!m || m[1] === 'archive') continue;
    byRun.set(m[1]!, [...(byRun.get(m[1]!) ?? []), { ref, oid, kind: m[2]!, id: m[3]! }]);
  }
  for (const [runId, list] of byRun) {
    const run = byId.get(runId);
    if (liveIds.has(runId) || run?.status === 'live' || run?.status === 'damaged') {
      if (run) for (const r of list) if (r.kind !== 'merged') keep(run, 'refs');
      continue;
    }
    const over = !run || run.status !== 'unfinished';
    const mergedIds = new Set(Object.values(run?.state?.tasks ?? {}).filter((t) => t.state === 'merged').map((t) => t.id));
    const doomed = list.filter((r) => r.kind !== 'merged' && (over || ((r.kind === 'base' || r.kind === 'candidates') && mergedIds.has(r.id))));
    if (run && !over) for (const r of list) if (r.kind !== 'merged' && !doomed.includes(r)) keep(run, 'refs');
    if (doomed.length === 0) continue;
    const why = over ? leftoverReason(run, undefined, runId) : `run ${runId} is unfinished; these belong to merged tasks`;
    const names = doomed.map((r) => r.ref).join(', ');
    const records = list.some((r) => r.kind === 'merged') ? `; kept refs/fleet/${runId}/merged/*` : '';
    p.plan.push({
      would: `delete ${names} (${why})${records}`,
      act: async () => {
        const moved: string[] = [];
        for (const r of doomed) if ((await deleteRef(p.topLevel, r.ref, r.oid)) === 'moved') moved.push(r.ref);
        if (moved.length > 0) throw new Error(`${moved.join(', ')} moved meanwhile and ${moved.length === 1 ? 'was' : 'were'} kept`);
        return `deleted ${names} (${why})${records}`;
      },
      run,
    });
  }
}

/** Archives older than --archives-older-than, by the time they were made (their reflog), else their commit date. */
async function planOldArchives(p: RepoPlan, refs: Map<string, string>, liveIds: Set<string>): Promise<void> {
  const now = Date.now();
  for (const [ref, oid] of refs) {
    if (!ref.startsWith('refs/fleet/archive/')) continue;
    const runId = /\/(\d{8}-\d{6}-[0-9a-f]{4})-[^/]*$/.exec(ref)?.[1];
    if (runId && liveIds.has(runId)) continue;
    const made = await archiveTime(p.topLevel, ref);
    if (made === undefined || now - made <= p.maxAge!) continue;
    const when = new Date(made).toISOString().slice(0, 10);
    p.plan.push({
      would: `delete archive ${ref} (made ${when}, older than ${p.ageText})`,
      act: async () => {
        if ((await deleteRef(p.topLevel, ref, oid)) === 'moved') throw new Error(`${ref} moved meanwhile; it was kept`);
        return `deleted archive ${ref} (made ${when}, older than ${p.ageText})`;
      },
    });
  }
}

/** Milliseconds since the epoch when `ref` was last written (reflog), else its commit's date. */
async function archiveTime(repo: string, ref: string): Promise<number | undefined> {
  const reflog = await git(repo, ['log', '-g', '-n', '1', '--date=unix', '--format=%gd', ref, '--']);
  const stamp = /@\{(\d+)\}$/.exec(reflog.stdout.trim())?.[1];
  if (reflog.exitCode === 0 && stamp) return Number(stamp) * 1000;
  const commit = await git(repo, ['log', '-n', '1', '--format=%ct', ref, '--']);
  return commit.exitCode === 0 && /^\d+$/.test(commit.stdout.trim()) ? Number(commit.stdout.trim()) * 1000 : undefined;
}

/**
 * `git worktree prune` drops the records of every worktree whose directory is gone — including
 * ones the user made, whose HEAD may be all that keeps some commits. So it runs only when every
 * prunable record is fleet's; otherwise clean says which ones it left.
 */
async function pruneAction(repo: string, all: WorktreeRecord[], fleet: FleetWorktree[], removingPrunable: boolean, notes: string[]): Promise<Action[]> {
  const ours = new Set(fleet.map((w) => w.path));
  const foreign = all.slice(1).filter((w) => w.prunable !== undefined && !ours.has(w.path));
  if (foreign.length > 0) {
    const paths = foreign.map((w) => w.path).join(', ');
    notes.push(`did not run git worktree prune in ${repo}: it would also drop worktree records fleet did not make (${paths}); \`git worktree prune\` clears them`);
    return [];
  }
  const pending = async () =>
    (await git(repo, ['worktree', 'prune', '-n', '-v'])).stderr
      .split('\n')
      .map((l) => /^Removing (worktrees\/[^:]+):/.exec(l.trim())?.[1])
      .filter((x): x is string => !!x);
  const now = await pending();
  // Fleet's prunable worktrees are removed one by one above; a plain prune is the safety net.
  if (now.length === 0 && !removingPrunable) return [];
  return [
    {
      would: `run git worktree prune in ${repo}${now.length > 0 ? ` (${now.join(', ')})` : ''}`,
      act: async () => {
        const left = await pending();
        await pruneWorktrees(repo);
        return `ran git worktree prune in ${repo}${left.length > 0 ? `: dropped ${left.join(', ')}` : ': nothing left to drop'}`;
      },
    },
  ];
}

/** Abandoned runs (fleet file gone) end as superseded once their things are gone, so none blocks a new run. */
function planAbandoned(runs: Run[], plan: Action[]): void {
  for (const run of runs) {
    if (run.status !== 'abandoned' || !run.writable || !run.state) continue;
    const state = run.state;
    plan.push({
      would: `mark run ${run.runId} as superseded: its fleet file ${run.file} is gone, so nothing can resume it`,
      act: async () => {
        appendToRun(run, [{ type: 'run_stopped', reason: 'superseded', exitCode: runExitCode(state), at: Date.now() }]);
        return `marked run ${run.runId} as superseded: its fleet file ${run.file} is gone, so nothing can resume it`;
      },
      run,
      final: true,
    });
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/**
 * A ref other than fleet's own task branches and per-run working refs that contains `tip` — a
 * branch, tag, remote branch, archive or merged record — so deleting the branch loses nothing.
 * A squash-merged task's tip is in no such ref, but its change is: the record says merged.
 */
async function containedIn(repo: string, tip: string, task: TaskRecord | undefined): Promise<string | undefined> {
  const r = await git(repo, ['for-each-ref', '--contains', tip, '--format=%(refname)', 'refs/heads/', 'refs/tags/', 'refs/remotes/', 'refs/fleet/']);
  const names = r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  const keeping = names.filter((n) => !n.startsWith(FLEET_BRANCH) && !/^refs\/fleet\/[^/]+\/(base|candidates|review)\//.test(n));
  const best = keeping.find((n) => n.startsWith('refs/heads/')) ?? keeping[0];
  if (best) return best.replace(/^refs\/heads\//, '');
  return task?.state === 'merged' ? `${task.base} (squash-merged)` : undefined;
}

/** refs/fleet/archive/<id>/<run>-<attempt>, or <run>-clean[-n] when that is taken or unknown. */
function archiveRefFor(p: RepoPlan, id: string, runId: string | undefined, attempt: number | undefined): string {
  const run = runId && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(runId) ? runId : 'unknown';
  const base = `refs/fleet/archive/${id}/${run}`;
  const names = [...(attempt ? [`${base}-${attempt}`] : []), `${base}-clean`, ...Array.from({ length: 50 }, (_, i) => `${base}-clean-${i + 2}`)];
  const free = names.find((n) => !p.chosen.has(n)) ?? `${base}-clean-${Date.now()}`;
  p.chosen.add(free);
  return free;
}

/** A detached agent may still be writing into the worktree about to go; its processes stop first. */
async function stopProcesses(run: Run, task: TaskRecord): Promise<void> {
  const pid = task.pid !== undefined && isSameProcess(task.pid, task.pidStart) ? task.pid : undefined;
  await killTask(pid, { runId: run.runId, project: task.project, taskId: task.id });
}

/** Appends to a stopped run's journal (we hold its lock) and refreshes its snapshot. */
function appendToRun(run: Run, events: FleetEvent[]): void {
  const paths = runPaths(run.stateDir, run.runId);
  const journal = new Journal(paths.journal);
  try {
    for (const event of events) journal.append(event);
  } finally {
    journal.close();
  }
  writeFileAtomic(paths.snapshot, JSON.stringify(replay(readJournal(paths.journal)), null, 1));
}
