// A task's branch and worktree: made for a fresh attempt, found again for a resumed one, made
// ahead of time for a task waiting for a slot (warm), and released when no attempt took it
// (docs/design.md#creating-a-tasks-worktree, #warm-worktrees).
import { existsSync } from 'node:fs';
import type { TaskSpec } from '../../core/fleet.js';
import { cleanArchiveRef, lockReason, runRef } from '../../core/names.js';
import { archiveAndRemove, removeTaskWorktree } from '../../git/archive.js';
import { currentBranch } from '../../git/commit.js';
import { mergeBase } from '../../git/diff.js';
import { gitOk } from '../../git/exec.js';
import { samePath } from '../../git/paths.js';
import { createRef, createRefWith, deleteRefs, moveRefs, readRef, setRef } from '../../git/refs.js';
import { isAncestor, isWorktreeClean, revParse } from '../../git/repo.js';
import { addWorktree, listWorktrees, removeWorktree } from '../../git/worktree.js';
import { branchName, fleetRef, worktreePath, type EngineContext } from '../context.js';

/** Why the task cannot have its worktree: the attempt fails in its `worktree` phase with this sentence. */
export class WorktreeProblem extends Error {}

/**
 * How an attempt gets its worktree: a fresh one (taking over the warm worktree this process made
 * for it, given by the commit it was made on), or a resumed one reusing what is there.
 */
export type WorktreeStart = { fresh: true; warmed?: string } | { fresh: false };

/** Makes sure the task's branch and worktree exist; returns the commit the branch started from. */
export async function ensureWorktree(ctx: EngineContext, task: TaskSpec, attempt: number, start: WorktreeStart): Promise<string> {
  if (start.fresh && start.warmed) return takeWarm(ctx, task, attempt, start.warmed);
  if (start.fresh && ctx.store.state.tasks[task.key]?.warm) await releaseWarm(ctx, task);
  const baseSha = start.fresh ? await freshWorktree(ctx, task) : await resumedWorktree(ctx, task);
  ctx.emit({ type: 'worktree_ready', key: task.key, attempt, path: worktreePath(ctx, task), branch: branchName(task), baseSha });
  return baseSha;
}

/**
 * A fresh attempt: the branch is created by CAS (so it cannot exist elsewhere, and nobody can
 * have it checked out yet), its base recorded in the same transaction, and the worktree added —
 * without the reads a resumed attempt needs to find what a crash left.
 */
async function freshWorktree(ctx: EngineContext, task: TaskSpec): Promise<string> {
  const repo = ctx.project(task).path;
  const branch = branchName(task);
  const path = worktreePath(ctx, task);
  const baseSha = await baseTip(repo, task);
  if (existsSync(path)) throw new WorktreeProblem(`${path} already exists and is not this task's worktree; move it away and retry`);
  // One transaction: a resumed attempt finds both the branch and its recorded base, or neither.
  const created = await createRefWith(repo, { ref: `refs/heads/${branch}`, sha: baseSha }, [{ ref: fleetRef(ctx, 'base', task), sha: baseSha }], `fleet: task ${task.key}`);
  if (created === 'exists') throw new WorktreeProblem(`branch ${branch} already exists; run \`fleet clean\` or delete it, then retry`);
  await addWorktree(repo, path, branch, `fleet run=${ctx.runId} task=${task.key}`, { branchIsNew: true });
  return baseSha;
}

/** A resumed attempt reuses its branch and worktree and rebuilds only what a crash left missing. */
async function resumedWorktree(ctx: EngineContext, task: TaskSpec): Promise<string> {
  const repo = ctx.project(task).path;
  const path = worktreePath(ctx, task);
  const branch = branchName(task);
  const baseRef = fleetRef(ctx, 'base', task);
  const branchTip = await readRef(repo, `refs/heads/${branch}`);
  const recordedBase = await readRef(repo, baseRef);
  // The recorded base, else where the branch forked from base (a crash before the base ref was
  // written; the branch may already hold the agent's commit, so not its tip). Base only moves forward.
  const baseSha =
    recordedBase ?? (branchTip && ((await mergeBase(repo, branchTip, `refs/heads/${task.base}`)) ?? branchTip)) ?? (await baseTip(repo, task));
  if (branchTip === undefined && (await createRef(repo, `refs/heads/${branch}`, baseSha, `fleet: task ${task.key}`)) === 'exists') {
    throw new WorktreeProblem(`branch ${branch} appeared while fleet was creating it`);
  }
  // Never delete-then-create: a crash between the two would lose the base a resumed attempt needs.
  await setRef(repo, baseRef, baseSha, `fleet: base of ${task.key}`);

  const existing = (await listWorktrees(repo)).find((w) => w.branch === `refs/heads/${branch}`);
  if (existing && !samePath(existing.path, path)) {
    throw new WorktreeProblem(`branch ${branch} is checked out at ${existing.path}, not where fleet put it`);
  }
  if (existing && !existsSync(path)) await removeWorktree(repo, path); // registered, but its directory is gone
  if (!existing || !existsSync(path)) {
    if (existsSync(path)) throw new WorktreeProblem(`${path} already exists and is not this task's worktree; move it away and retry`);
    await addWorktree(repo, path, branch, `fleet run=${ctx.runId} task=${task.key}`);
  }
  return baseSha;
}

async function baseTip(repo: string, task: TaskSpec): Promise<string> {
  const sha = await revParse(repo, `refs/heads/${task.base}`);
  if (!sha) throw new WorktreeProblem(`base branch ${task.base} does not exist in ${repo}`);
  return sha;
}

/**
 * Makes the worktree of a ready task that waits for a slot; returns the commit it was made on,
 * or undefined when it could not be made (the attempt then finds out why, the usual way). The
 * journal says so first, so a crash in the middle leaves nothing the next run does not know of.
 */
export async function makeWarm(ctx: EngineContext, task: TaskSpec): Promise<string | undefined> {
  const path = worktreePath(ctx, task);
  if (existsSync(path)) return undefined;
  ctx.emit({ type: 'worktree_warming', key: task.key, path, branch: branchName(task) });
  return freshWorktree(ctx, task);
}

/**
 * The attempt takes its warm worktree. If base moved since it was made, branch and recorded base
 * move to base's tip together, then the files follow; a crash in between resumes at setup, which
 * resets the files anyway. Only one as fleet left it is taken: one someone wrote or committed in
 * while it waited is released (archived) and the attempt starts cold, so `reset --hard` never
 * discards their files and their commit is never merged as the task's.
 */
async function takeWarm(ctx: EngineContext, task: TaskSpec, attempt: number, warmed: string): Promise<string> {
  const repo = ctx.project(task).path;
  const path = worktreePath(ctx, task);
  const branch = branchName(task);
  if (!(await untouched(repo, path, branch, warmed))) {
    await releaseWarm(ctx, task);
    const cold = await freshWorktree(ctx, task);
    ctx.emit({ type: 'worktree_ready', key: task.key, attempt, path, branch, baseSha: cold });
    return cold;
  }
  let baseSha = warmed;
  const tip = await baseTip(repo, task);
  if (tip !== warmed) {
    const moves = [`refs/heads/${branch}`, fleetRef(ctx, 'base', task)].map((ref) => ({ ref, next: tip, expected: warmed }));
    if ((await moveRefs(repo, moves, `fleet: ${task.key} starts on ${task.base}'s tip`)) === 'moved') {
      throw new WorktreeProblem(`branch ${branch} moved while its worktree waited for a slot; retry the task`);
    }
    await gitOk(path, ['reset', '--hard', '--quiet', '--no-recurse-submodules']);
    baseSha = tip;
  }
  ctx.emit({ type: 'worktree_ready', key: task.key, attempt, path, branch, baseSha });
  return baseSha;
}

/** The warm worktree is as fleet made it: its branch where it was made, checked out there, no file changed or added. */
async function untouched(repo: string, path: string, branch: string, warmed: string): Promise<boolean> {
  if ((await readRef(repo, `refs/heads/${branch}`)) !== warmed || !existsSync(path)) return false;
  return (await currentBranch(path)) === `refs/heads/${branch}` && (await isWorktreeClean(path));
}

/** Removes a warm worktree no attempt took, with its branch and recorded base (docs/design.md#warm-worktrees). */
export async function releaseWarm(ctx: EngineContext, task: TaskSpec): Promise<void> {
  const warm = { runId: ctx.runId, id: task.id, key: task.key, base: task.base, worktree: worktreePath(ctx, task), branch: branchName(task) };
  await removeWarm(ctx.project(task).path, warm);
  ctx.emit({ type: 'worktree_released', key: task.key });
}

/**
 * Only what the run made goes: its own base ref must be there (it is written with the branch, in
 * one transaction). Nothing ran in it, so there is normally nothing to keep; anything someone
 * wrote there is archived first, at the first free `refs/fleet/archive/<id>/<run>-clean[-n]` —
 * the name of work found outside any attempt — never at the first attempt's name, which the
 * attempt that follows needs for its own archive if it fails and is retried.
 * Also used when `--fresh` supersedes a run that left one.
 */
export async function removeWarm(
  repo: string,
  warm: { runId: string; id: string; key: string; base: string; worktree: string; branch: string },
): Promise<void> {
  const baseRef = runRef(warm.runId, 'base', warm.id);
  const recorded = await readRef(repo, baseRef);
  const tip = await readRef(repo, `refs/heads/${warm.branch}`);
  if (recorded !== undefined && tip !== undefined && (await stillWarm(repo, warm))) {
    const opts = { worktree: warm.worktree, branch: warm.branch, message: `fleet: warm worktree of ${warm.key}, released` };
    const ref = await freeArchiveRef(repo, warm.id, warm.runId);
    const workFree = tip === recorded || (await isAncestor(repo, tip, `refs/heads/${warm.base}`));
    await (workFree ? removeTaskWorktree(repo, { ...opts, archiveRef: ref }) : archiveAndRemove(repo, { ...opts, ref }));
  }
  if (recorded !== undefined) await deleteRefs(repo, [baseRef]);
}

/**
 * Nobody made something else of it: the branch is checked out nowhere but at the warm worktree's
 * place, and a worktree there is the one fleet made (its lock names this run and task). A
 * checkout the user made of the branch elsewhere, or put at that place, is never removed; the
 * attempt then meets the clash as a cold start would.
 */
async function stillWarm(repo: string, warm: { runId: string; key: string; worktree: string; branch: string }): Promise<boolean> {
  const list = await listWorktrees(repo);
  const holder = list.find((w) => w.branch === `refs/heads/${warm.branch}`);
  if (holder && !samePath(holder.path, warm.worktree)) return false;
  const there = list.find((w) => samePath(w.path, warm.worktree));
  return there === undefined || there.locked === lockReason(warm.runId, warm.key);
}

/** The first free `refs/fleet/archive/<id>/<run>-clean[-n]`: work kept outside any attempt's name. */
export async function freeArchiveRef(repo: string, id: string, runId: string): Promise<string> {
  let n = 1;
  while ((await readRef(repo, cleanArchiveRef(id, runId, n))) !== undefined) n++;
  return cleanArchiveRef(id, runId, n);
}
