// Creating, reusing and removing worktrees. Admin steps run under the per-repo admin lock; the
// slow parts — writing files on checkout, deleting them on removal — run outside it (docs/design.md#creating-a-tasks-worktree),
// so one large worktree being removed does not hold up every other task's start.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withWorktreeAdminLock } from './admin-lock.js';
import { git, gitOk, GitError } from './exec.js';
import { canonicalPath, samePath } from './paths.js';
import { branchExists, repoInfo, revParse } from './repo.js';
import { listWorktrees, type WorktreeRecord } from './worktree-list.js';

export { withWorktreeAdminLock } from './admin-lock.js';
export { listWorktrees, parseWorktreeList, type WorktreeRecord } from './worktree-list.js';

export class WorktreeError extends Error {
  override name = 'WorktreeError';
}

export async function findWorktree(repo: string, path: string): Promise<WorktreeRecord | undefined> {
  return (await listWorktrees(repo)).find((w) => samePath(w.path, path));
}

/**
 * Adds a locked worktree for an existing branch (never -b: creating the branch is the caller's
 * CAS step, and -b's tracking-config write races). Verifies afterwards that the branch is checked
 * out exactly once — git's own "already checked out" check is not atomic. Populates the files
 * outside the admin lock.
 */
export async function addWorktree(repo: string, path: string, branch: string, reason: string, opts: { branchIsNew?: boolean } = {}): Promise<void> {
  const target = canonicalPath(path);
  const ref = `refs/heads/${branch}`;
  if (!opts.branchIsNew && !(await branchExists(repo, branch))) throw new WorktreeError(`Cannot add a worktree for ${branch}: the branch does not exist.`);
  await mkdir(dirname(target), { recursive: true });

  await withWorktreeAdminLock(repo, async () => {
    // A branch fleet created a moment ago by CAS cannot be checked out anywhere yet.
    const holder = opts.branchIsNew ? undefined : (await listWorktrees(repo)).find((w) => w.branch === ref);
    if (holder) throw new WorktreeError(`Cannot add a worktree for ${branch}: it is already checked out at ${holder.path}.`);
    await gitOk(repo, ['worktree', 'add', '--no-checkout', '--lock', '--reason', reason, '--', target, branch]);
    if (opts.branchIsNew) return;
    const holders = (await listWorktrees(repo)).filter((w) => w.branch === ref);
    if (holders.length !== 1 || !samePath(holders[0]!.path, target)) {
      // Someone outside fleet checked the branch out meanwhile; back out our (empty) worktree.
      await git(repo, ['worktree', 'remove', '--force', '--force', '--', target]);
      throw new WorktreeError(`Cannot add a worktree for ${branch}: it is checked out in ${holders.length} worktrees.`);
    }
  });

  await gitOk(target, ['reset', '--hard', '--quiet', '--no-recurse-submodules']);
}

/**
 * The merge gate: one reusable detached worktree per repo. Reuse switches it to `commit` and
 * removes untracked files but keeps ignored ones (installed dependencies survive between candidates).
 */
export async function prepareGateWorktree(repo: string, path: string, commit: string): Promise<void> {
  const target = canonicalPath(path);
  const sha = await revParse(repo, commit);
  if (!sha) throw new WorktreeError(`Cannot prepare the gate worktree: ${commit} is not a commit.`);

  const list = await listWorktrees(repo);
  const existing = list.find((w) => samePath(w.path, target));
  if (existing && (existing === list[0] || !existing.detached)) {
    throw new WorktreeError(`Refusing to use ${target} as the gate worktree: it is not a detached fleet worktree.`);
  }
  if (existing && existing.prunable === undefined && existsSync(target)) {
    await switchGate(target, sha);
    await gitOk(target, ['clean', '-ffdq']);
    return;
  }
  if (existing) await removeWorktree(repo, target); // registered, but its directory is gone

  await mkdir(dirname(target), { recursive: true });
  await withWorktreeAdminLock(repo, () =>
    gitOk(repo, ['worktree', 'add', '--no-checkout', '--detach', '--', target, sha]),
  );
  await switchGate(target, sha);
}

function switchGate(gate: string, sha: string): Promise<string> {
  return gitOk(gate, ['-c', 'submodule.recurse=false', 'checkout', '--quiet', '--detach', '--force', sha]);
}

/**
 * Removes a worktree: deletes its files (outside the admin lock), then lets
 * `worktree remove --force --force` (locked or not) drop the rest and the admin dir. A worktree whose directory
 * is already gone is removed from git's records the same way (git 2.39 allows it), falling back
 * to prune. Idempotent; never archives, never deletes a branch.
 */
export async function removeWorktree(repo: string, path: string, list?: WorktreeRecord[]): Promise<void> {
  const target = canonicalPath(path);
  // `list`: the caller's fresh listing, when it just read one (removing a merged task's worktree).
  list ??= await listWorktrees(repo);
  const record = list.find((w) => samePath(w.path, target));
  if (!record) return;
  if (record === list[0]) throw new WorktreeError(`Refusing to remove ${target}: it is the main worktree.`);

  if (await isLinkedWorktreeOf(repo, target)) await deleteAllButGitFile(target);

  await withWorktreeAdminLock(repo, async () => {
    // --force twice removes a locked worktree too: no separate unlock.
    const args = ['worktree', 'remove', '--force', '--force', '--', target];
    const r = await git(repo, args);
    if (r.exitCode === 0) return;
    if (!existsSync(target)) return void (await gitOk(repo, ['worktree', 'prune']));
    if (!(await findWorktree(repo, target))) return; // removed by someone else meanwhile
    throw new GitError(args, r.exitCode, r.stderr);
  });
}

export async function pruneWorktrees(repo: string): Promise<void> {
  await withWorktreeAdminLock(repo, () => gitOk(repo, ['worktree', 'prune']));
}

/**
 * Deleting files by hand is only safe where git's own pointer proves the directory is a linked
 * worktree of this repository: its `.git` is a file naming an admin dir under our common dir.
 */
async function isLinkedWorktreeOf(repo: string, dir: string): Promise<boolean> {
  const dotGit = join(dir, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info?.isFile()) return false;
  const m = /^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8'));
  if (!m) return false;
  const { commonDir } = await repoInfo(repo);
  return dirname(canonicalPath(m[1]!.trim())) === join(commonDir, 'worktrees');
}

async function deleteAllButGitFile(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  // rm does not follow symlinks: a `link:` path's shared target is left alone.
  await Promise.all(
    entries.filter((e) => e !== '.git').map((e) => rm(join(dir, e), { recursive: true, force: true, maxRetries: 3 })),
  );
}
