// `fleet clean`'s policy, as a pure function: an inventory snapshot (engine/clean/inventory.ts)
// goes in, the actions with their reasons and the notes on what was kept come out; the applier
// (engine/clean/apply.ts) carries them out. docs/clean.md says the same in prose.
//
// Never touched: a live run's things (a live process holds its lock), an unfinished run's
// worktrees, branches and refs (the next `fleet run` resumes them), worktrees fleet did not make,
// the user's main checkout, and `refs/fleet/<run>/merged/*` (the record of what landed).
import { ARCHIVE_REF_PREFIX, archiveRef, branchRef, candidateArchiveRef, cleanArchiveRef, isRunId, parseArchiveRef, parseBranch, parseBranchRef, parseRunRef, type RunRefKind } from '../../core/names.js';
import { HAS_RUNNING_PROCESS, NEEDS_NO_WORKTREE, runExitCode } from '../../core/selectors.js';
import type { TaskRecord } from '../../core/state.js';
import type { CleanAction, CleanInventory, CleanPlan, CleanRun, CleanupRecord, RepoSnapshot } from './model.js';
import type { FleetWorktree } from '../host/inventory.js';

interface Kept {
  worktrees: number;
  branches: number;
  refs: number;
}

interface Planning {
  inv: CleanInventory;
  actions: CleanAction[];
  notes: string[];
  kept: Map<CleanRun, Kept>;
  /** Archive refs that exist or are promised to an earlier action. */
  chosen: Set<string>;
}

export function planClean(inv: CleanInventory): CleanPlan {
  const p: Planning = { inv, actions: [], notes: [], kept: new Map(), chosen: new Set() };
  for (const repo of inv.repos) {
    const blocker = repo.lockOwner;
    if (blocker && !inv.runs.some((r) => r.runId === blocker.runId && r.state)) {
      p.notes.push(`left ${repo.topLevel} alone: a live fleet (pid ${blocker.pid}, run ${blocker.runId}) holds it and its run cannot be read`);
      continue;
    }
    planRepo(p, repo);
  }
  planAbandoned(p);
  for (const [run, k] of p.kept) p.notes.push(keptNote(run, k));
  return { actions: p.actions, notes: p.notes };
}

/** Could this task of `run` have its worktree and branch in the repository `commonDir`? */
function taskIn(run: CleanRun, task: TaskRecord, commonDir: string): boolean {
  const dir = run.projects?.get(task.project);
  return dir === undefined || dir === commonDir;
}

/**
 * Why a task's worktree or branch must stay, or undefined when it is a leftover. A live run's
 * task always keeps it; an unfinished run's only once it started (attempt > 0) and until it settled.
 */
function keepReason(run: CleanRun, task: TaskRecord | undefined): string | undefined {
  if (run.status === 'live') return 'live';
  if (run.status === 'damaged') return 'damaged';
  if (run.status === 'unfinished' && task && task.attempt > 0 && !NEEDS_NO_WORKTREE.has(task.state)) return 'unfinished';
  return undefined;
}

/** Why a leftover goes, in words. */
function leftoverReason(run: CleanRun | undefined, task: TaskRecord | undefined, runId: string | undefined): string {
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

function keptNote(run: CleanRun, k: Kept): string {
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

function planRepo(p: Planning, s: RepoSnapshot): void {
  const { runs, live } = p.inv;
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const liveIds = new Set(live.map((o) => o.runId));
  const canon = (path: string) => s.canonical.get(path) ?? path;
  const keep = (run: CleanRun, what: keyof Kept) => {
    const k = p.kept.get(run) ?? { worktrees: 0, branches: 0, refs: 0 };
    k[what]++;
    p.kept.set(run, k);
  };
  const handledBranches = new Set<string>();
  let removingPrunable = false;
  for (const ref of s.refs.keys()) if (ref.startsWith(ARCHIVE_REF_PREFIX)) p.chosen.add(ref);
  // A run whose journal cannot be read may own any unattributed fleet branch or worktree here.
  const damagedHere = runs.filter((r) => r.status === 'damaged' && r.inScope);

  // Every task record (of runs that may use this repo) that points at a worktree path.
  const claims = new Map<string, { run: CleanRun; task: TaskRecord }[]>();
  for (const run of runs) {
    for (const task of Object.values(run.state?.tasks ?? {})) {
      if (!task.worktree || !taskIn(run, task, s.commonDir)) continue;
      const path = canon(task.worktree);
      claims.set(path, [...(claims.get(path) ?? []), { run, task }]);
    }
  }

  for (const w of s.fleet) {
    if (w.record.branch) handledBranches.add(w.record.branch);
    if (w.kind === 'gate') {
      if (liveIds.has(w.runId)) {
        const run = byId.get(w.runId);
        if (run) keep(run, 'worktrees');
        continue;
      }
      const what = `merge gate worktree ${w.path} (run ${w.runId} is not running)`;
      p.actions.push({ kind: 'remove-gate', repo: s.topLevel, path: w.path, what, would: `remove ${what}` });
      continue;
    }

    // A task worktree: the run its lock names decides, and so does any run whose record points here.
    const named = w.runId ? byId.get(w.runId) : undefined;
    const namedTask = named?.state && w.key ? named.state.tasks[w.key] : undefined;
    const pointing = claims.get(canon(w.path)) ?? [];
    if (w.runId && liveIds.has(w.runId)) {
      if (named) keep(named, 'worktrees');
      continue;
    }
    const guard = [...(named ? [{ run: named, task: namedTask }] : []), ...pointing].find(({ run, task }) => keepReason(run, task) !== undefined);
    if (guard) {
      keep(guard.run, 'worktrees');
      continue;
    }
    if (!w.runId && pointing.length === 0 && damagedHere.length > 0) {
      keep(damagedHere[0]!, 'worktrees'); // it may be the unreadable run's
      continue;
    }
    const here = canon(w.path);
    if (p.inv.cwd === here || p.inv.cwd.startsWith(`${here}/`)) {
      p.notes.push(`kept ${w.path}: you are in it; run \`fleet clean\` from elsewhere to remove it`);
      continue;
    }
    const owner = named ?? pointing.at(-1)?.run;
    const task = namedTask ?? pointing.at(-1)?.task;
    const id = (w.record.branch !== undefined ? parseBranchRef(w.record.branch) : undefined) ?? w.id;
    p.actions.push(worktreeAction(p, s, w, id, owner, task, leftoverReason(owner, task, w.runId), w.runId));
    removingPrunable ||= w.record.prunable !== undefined || s.facts.get(w.path)?.exists === false;
    handledBranches.add(ownBranch(w, id));
  }

  // fleet/* branches with no worktree of their own.
  for (const [ref, tip] of s.refs) {
    const id = parseBranchRef(ref);
    if (id === undefined || handledBranches.has(ref)) continue;
    const holder = s.worktrees.find((w) => w.branch === ref);
    if (holder) {
      p.notes.push(`kept branch ${ref.slice('refs/heads/'.length)}: it is checked out in ${holder.path}, which fleet did not make`);
      continue;
    }
    const owners = runs.flatMap((run) =>
      Object.values(run.state?.tasks ?? {})
        .filter((t) => t.id === id && taskIn(run, t, s.commonDir))
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
    p.actions.push(branchAction(p, s, ref, tip, last?.run, last?.task, leftoverReason(last?.run, last?.task, undefined)));
  }

  planRunRefs(p, s, byId, liveIds, keep);
  if (p.inv.archivesOlderThan) planOldArchives(p, s, liveIds, p.inv.archivesOlderThan);
  planPrune(p, s, removingPrunable);
}

/** A merged task whose worktree or branch clean removes: recorded in its run when clean may write there. */
function cleanupRecord(run: CleanRun | undefined, task: TaskRecord | undefined): CleanupRecord | undefined {
  if (!run || !task || task.state !== 'merged' || !run.writable || run.status === 'live') return undefined;
  if (task.cleanupPending === undefined && task.worktree === undefined) return undefined;
  return { run, key: task.key };
}

function worktreeAction(
  p: Planning,
  s: RepoSnapshot,
  w: FleetWorktree & { kind: 'task' },
  id: string,
  owner: CleanRun | undefined,
  task: TaskRecord | undefined,
  why: string,
  lockRun: string | undefined,
): CleanAction {
  const branch = ownBranch(w, id).slice('refs/heads/'.length);
  const tip = s.refs.get(`refs/heads/${branch}`);
  const keptIn = tip ? containedIn(s, tip, task) : undefined;
  const facts = s.facts.get(w.path);
  const gone = w.record.prunable !== undefined || facts?.exists === false;
  const ref = archiveRefFor(p, w.id, owner?.runId ?? lockRun, task?.attempt, parseBranch(`refs/heads/${branch}`)?.candidate);
  // With its commits kept elsewhere, only what is not committed (or a HEAD off the branch) is archived.
  const archives = !keptIn || gone || !facts?.clean || facts.head !== tip;
  const what = `worktree ${w.path}${tip ? ` and branch ${branch}` : ''} (${why}${gone ? '; its directory is already gone' : ''})`;
  return {
    kind: 'remove-worktree',
    repo: s.topLevel,
    path: w.path,
    branch,
    what,
    keptIn,
    archiveRef: ref,
    message: `fleet clean: archive of ${task?.key ?? branch}${owner ? ` (run ${owner.runId})` : ''}`,
    stop: owner && task && HAS_RUNNING_PROCESS.has(task.state) ? { runId: owner.runId, task } : undefined,
    record: cleanupRecord(owner, task),
    would: `remove ${what}, ${archives ? `archiving its work at ${ref}` : `with nothing to archive: its commits are in ${keptIn}`}`,
    run: owner,
  };
}

/** `ref` is a task's branch or one of its candidates' (core/names.ts#parseBranch). */
function branchAction(p: Planning, s: RepoSnapshot, fullRef: string, tip: string, owner: CleanRun | undefined, task: TaskRecord | undefined, why: string): CleanAction {
  const { id, candidate } = parseBranch(fullRef)!;
  const branch = fullRef.slice('refs/heads/'.length);
  const keptIn = containedIn(s, tip, task);
  const ref = keptIn ? undefined : archiveRefFor(p, id, owner?.runId, task?.attempt, candidate);
  return {
    kind: 'delete-branch',
    repo: s.topLevel,
    branch,
    tip,
    why,
    keptIn,
    archiveRef: ref,
    record: cleanupRecord(owner, task),
    would: `delete branch ${branch} (${why}), ${ref ? `archiving its commits at ${ref}` : `with nothing to archive: its commits are in ${keptIn}`}`,
    run: owner,
  };
}

/**
 * refs/fleet/<run>/{base,candidates,review}/* of runs that are over (finished, superseded,
 * abandoned, or not on record) go: they only serve resuming and the merge decision, and the work
 * they point at is in base or archived. merged/* records stay. An unfinished run keeps its refs,
 * except those of a task that merged (the merge queue deletes them after its cleanup).
 */
function planRunRefs(p: Planning, s: RepoSnapshot, byId: Map<string, CleanRun>, liveIds: Set<string>, keep: (run: CleanRun, what: keyof Kept) => void): void {
  const byRun = new Map<string, { ref: string; oid: string; kind: RunRefKind; id: string }[]>();
  for (const [ref, oid] of s.refs) {
    const name = parseRunRef(ref);
    if (name) byRun.set(name.runId, [...(byRun.get(name.runId) ?? []), { ref, oid, ...name }]);
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
    const records = list.some((r) => r.kind === 'merged') ? `; kept refs/fleet/${runId}/merged/*` : '';
    const what = `${doomed.map((r) => r.ref).join(', ')} (${why})${records}`;
    p.actions.push({ kind: 'delete-refs', repo: s.topLevel, refs: doomed.map(({ ref, oid }) => ({ ref, oid })), what, would: `delete ${what}`, run });
  }
}

/** Archives older than --archives-older-than, by the time they were made; a live run's stay. */
function planOldArchives(p: Planning, s: RepoSnapshot, liveIds: Set<string>, age: { ms: number; text: string }): void {
  for (const [ref, oid] of s.refs) {
    const name = parseArchiveRef(ref);
    if (!name || (name.runId && liveIds.has(name.runId))) continue;
    const made = s.archiveMade.get(ref);
    if (made === undefined || p.inv.now - made <= age.ms) continue;
    const what = `archive ${ref} (made ${new Date(made).toISOString().slice(0, 10)}, older than ${age.text})`;
    p.actions.push({ kind: 'delete-archive', repo: s.topLevel, ref, oid, what, would: `delete ${what}` });
  }
}

/**
 * `git worktree prune` drops the records of every worktree whose directory is gone — including
 * ones the user made, whose HEAD may be all that keeps some commits. So it runs only when every
 * prunable record is fleet's; otherwise clean says which ones it left.
 */
function planPrune(p: Planning, s: RepoSnapshot, removingPrunable: boolean): void {
  const ours = new Set(s.fleet.map((w) => w.path));
  const foreign = s.worktrees.slice(1).filter((w) => w.prunable !== undefined && !ours.has(w.path));
  if (foreign.length > 0) {
    const paths = foreign.map((w) => w.path).join(', ');
    p.notes.push(`did not run git worktree prune in ${s.topLevel}: it would also drop worktree records fleet did not make (${paths}); \`git worktree prune\` clears them`);
    return;
  }
  // Fleet's prunable worktrees are removed one by one; a plain prune is the safety net.
  if (s.prunable.length === 0 && !removingPrunable) return;
  p.actions.push({ kind: 'prune', repo: s.topLevel, would: `run git worktree prune in ${s.topLevel}${s.prunable.length > 0 ? ` (${s.prunable.join(', ')})` : ''}` });
}

/** Abandoned runs (fleet file gone) end as superseded once their things are gone, so none blocks a new run. */
function planAbandoned(p: Planning): void {
  for (const run of p.inv.runs) {
    if (run.status !== 'abandoned' || !run.writable || !run.state) continue;
    const what = `run ${run.runId} as superseded: its fleet file ${run.file} is gone, so nothing can resume it`;
    p.actions.push({ kind: 'supersede', run, exitCode: runExitCode(run.state), what, would: `mark ${what}` });
  }
}

/**
 * A ref other than fleet's own task branches and per-run working refs that contains `tip` — a
 * branch, tag, remote branch, archive or merged record — so deleting the branch loses nothing.
 * A squash-merged task's tip is in no such ref, but its change is: the record says merged, and
 * the tip is the one whose check passed.
 */
function containedIn(s: RepoSnapshot, tip: string, task: TaskRecord | undefined): string | undefined {
  const keeping = (s.containing.get(tip) ?? []).filter((n) => parseBranchRef(n) === undefined && (parseRunRef(n)?.kind ?? 'merged') === 'merged');
  const best = keeping.find((n) => n.startsWith('refs/heads/')) ?? keeping[0];
  if (best) return best.replace(/^refs\/heads\//, '');
  // Only the tip that merged: a commit made after its check passed is in no ref yet.
  return task?.state === 'merged' && tip === task.passedTip ? `${task.base} (squash-merged)` : undefined;
}

/** The branch a task worktree is on when it is the task's or one of its candidates' (`fleet/<id>@<n>`), else `fleet/<id>`. */
function ownBranch(w: FleetWorktree & { kind: 'task' }, id: string): string {
  return w.record.branch !== undefined && parseBranchRef(w.record.branch) === id ? w.record.branch : branchRef(id);
}

/** The attempt's own archive name when it is free, else the first free `-clean[-n]` one. */
function archiveRefFor(p: Planning, id: string, runId: string | undefined, attempt: number | undefined, candidate?: number): string {
  const run = runId !== undefined && isRunId(runId) ? runId : undefined;
  let ref = run && attempt ? (candidate ? candidateArchiveRef(id, run, attempt, candidate) : archiveRef(id, run, attempt)) : cleanArchiveRef(id, run);
  for (let n = 1; p.chosen.has(ref); n++) ref = cleanArchiveRef(id, run, n);
  p.chosen.add(ref);
  return ref;
}
