// Archive before delete: nothing a user or an agent wrote is removed without a ref that keeps it
// (docs/design.md#archive-before-delete). The snapshot uses a temporary index, so the worktree and its real index are never
// touched; the archive ref carries a reflog.
import { existsSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NO_COMMIT_CHECKED_OUT } from './commit.js';
import { git, GitError, gitOk } from './exec.js';
import { commitTree } from './merge.js';
import { createRef, deleteRef, readRef } from './refs.js';
import { isAncestor, isWorktreeClean, revParse, treeOf } from './repo.js';
import { samePath } from './paths.js';
import { removeWorktree } from './worktree.js';
import { gitDirOf, listWorktrees, type WorktreeRecord } from './worktree-list.js';

export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/**
 * A commit holding the worktree as it is on disk: tracked changes and untracked files, not ignored
 * ones. Parents: HEAD, plus the branch tip when the worktree has left it, so both stay reachable.
 * Returns HEAD itself when there is nothing beyond it.
 */
export async function snapshotWorktree(worktree: string, message: string, opts: { branch?: string } = {}): Promise<string> {
  const head = await revParse(worktree, 'HEAD');
  const tip = opts.branch ? await readRef(worktree, `refs/heads/${opts.branch}`) : undefined;
  const tree = await snapshotTree(worktree, head);
  const parents = [head, tip].filter((c, i, all): c is string => c !== undefined && all.indexOf(c) === i);
  if (head && parents.length === 1 && tree === (await treeOf(worktree, head))) return head;
  return commitTree(worktree, tree, parents, message);
}

/**
 * `add -A` into a copy of the worktree's own index (kept next to it in the worktree's git dir):
 * the copy keeps stat data (no rehash of every file) and sparse-checkout skip bits (files that
 * are absent on purpose do not read as deleted).
 */
async function snapshotTree(worktree: string, head: string | undefined): Promise<string> {
  const gitDir = await gitDirOf(worktree);
  const realIndex = join(gitDir, 'index');
  const tmpIndex = join(gitDir, `fleet-snapshot-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  const env = { GIT_INDEX_FILE: tmpIndex };
  try {
    if (existsSync(realIndex)) await copyFile(realIndex, tmpIndex);
    else await gitOk(worktree, ['read-tree', ...(head ? [head] : ['--empty'])], { env });
    await addAll(worktree, [], env, (dir) => plainTree(gitDir, join(worktree, dir)));
    return await gitOk(worktree, ['write-tree'], { env });
  } finally {
    await rm(tmpIndex, { force: true });
    await rm(`${tmpIndex}.lock`, { force: true });
  }
}

/**
 * `add -A` into the index `env` names. An embedded repository without a commit (an agent's
 * `git init` with nothing committed) makes git refuse the whole add: each one found is left out
 * of the add. One with a commit goes in as a gitlink, a commit only its own `.git` holds, which
 * removing the worktree deletes: each one the project does not declare in `.gitmodules` is taken
 * out again. The files of both go in as plain files instead (`plainTree`, read in under its
 * path), so the snapshot keeps them. A declared submodule stays a gitlink.
 */
async function addAll(cwd: string, gitArgs: string[], env: Record<string, string>, plainTree: (dir: string) => Promise<string>): Promise<void> {
  const embedded: string[] = [];
  for (;;) {
    const excludes = embedded.map((dir) => `:(exclude,literal)${dir}`);
    const args = [...gitArgs, '-c', 'core.splitIndex=false', 'add', '-A', '--', '.', ...excludes];
    const r = await git(cwd, args, { env });
    if (r.exitCode === 0) break;
    const dir = NO_COMMIT_CHECKED_OUT.exec(r.stderr)?.[1];
    if (dir === undefined || embedded.includes(dir)) throw new GitError(args, r.exitCode, r.stderr);
    embedded.push(dir);
  }
  for (const dir of await undeclaredGitlinks(cwd, gitArgs, env)) {
    await gitOk(cwd, [...gitArgs, 'update-index', '--force-remove', '--', dir], { env });
    embedded.push(dir);
  }
  for (const dir of embedded) await gitOk(cwd, [...gitArgs, 'read-tree', `--prefix=${dir}/`, await plainTree(dir)], { env });
}

/** Gitlinks in the index `env` names that `cwd`'s `.gitmodules` does not declare: repositories an agent made. */
async function undeclaredGitlinks(cwd: string, gitArgs: string[], env: Record<string, string>): Promise<string[]> {
  const staged = await git(cwd, [...gitArgs, 'ls-files', '--stage', '-z'], { env, raw: true });
  if (staged.exitCode !== 0) throw new GitError(['ls-files', '--stage'], staged.exitCode, staged.stderr);
  const links = staged.stdout.split('\0').filter((e) => e.startsWith('160000 ')).map((e) => e.slice(e.indexOf('\t') + 1));
  if (links.length === 0 || !existsSync(join(cwd, '.gitmodules'))) return links;
  const declared = await git(cwd, ['config', '--file', '.gitmodules', '--null', '--get-regexp', '\\.path$']);
  const paths = new Set(declared.stdout.split('\0').map((e) => e.slice(e.indexOf('\n') + 1).replace(/\/+$/, '')));
  return links.filter((link) => !paths.has(link));
}

/**
 * The files of the embedded repository at `dir` as a tree of plain files, written to the task's
 * object store: `add -A` with `dir` as the work tree (its own `.git` is never added) into an
 * index of its own. Sparse checkout is off: its patterns are about the task's paths, not these.
 */
async function plainTree(gitDir: string, dir: string): Promise<string> {
  const tmpIndex = join(gitDir, `fleet-snapshot-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  const env = { GIT_INDEX_FILE: tmpIndex };
  const gitArgs = [`--git-dir=${gitDir}`, `--work-tree=${dir}`, '-c', 'core.sparseCheckout=false'];
  try {
    await gitOk(dir, [...gitArgs, 'read-tree', '--empty'], { env });
    await addAll(dir, gitArgs, env, (inner) => plainTree(gitDir, join(dir, inner)));
    return await gitOk(dir, [...gitArgs, 'write-tree'], { env });
  } finally {
    await rm(tmpIndex, { force: true });
    await rm(`${tmpIndex}.lock`, { force: true });
  }
}

/**
 * Anchors `commit` at `ref`. A ref left by an interrupted earlier call is accepted when it already
 * keeps everything `commit` keeps: `commit` itself is in its history, or it has the same tree and
 * every parent of `commit` is in its history. Anything else is a clash, and nothing is removed.
 */
async function anchor(repo: string, ref: string, commit: string, message: string): Promise<void> {
  if ((await createRef(repo, ref, commit, message)) === 'ok') return;
  const existing = await readRef(repo, ref);
  if (existing === undefined) return anchor(repo, ref, commit, message); // deleted meanwhile
  if (await isAncestor(repo, commit, existing)) return;
  if ((await treeOf(repo, existing)) === (await treeOf(repo, commit))) {
    const parents = (await gitOk(repo, ['rev-parse', `${commit}^@`])).split('\n').filter(Boolean);
    let kept = true;
    for (const parent of parents) kept &&= await isAncestor(repo, parent, existing);
    if (kept) return;
  }
  throw new ArchiveError(`Archive ref ${ref} already exists with different content; nothing was removed.`);
}

/**
 * Archive, then remove the worktree, then CAS-delete the branch — in that order, so a crash at any
 * point leaves the work reachable. Without a worktree on disk, the branch tip is archived.
 * Returns the archive ref, or null when there was neither a worktree nor a branch.
 */
export async function archiveAndRemove(
  repo: string,
  opts: { worktree?: string; branch: string; ref: string; message: string },
): Promise<string | null> {
  return removeArchiving(repo, opts, 'always');
}

/**
 * Every removal of a task worktree (docs/design.md#archive-before-delete): archive only when there is something the branch
 * does not hold — uncommitted or untracked files, or a HEAD that left the branch tip. `landed`:
 * the commit base took from the branch (a merged task); a tip beyond it — a commit made after the
 * check passed — is something base does not hold, so it is archived too. `fleetPaths`: what fleet
 * copied or linked in, which alone is no reason to archive.
 */
export async function removeTaskWorktree(
  repo: string,
  opts: { worktree: string; branch: string; archiveRef: string; message: string; landed?: string; fleetPaths?: readonly string[] },
): Promise<string | null> {
  return removeArchiving(repo, { ...opts, ref: opts.archiveRef }, 'unless-branch-holds-it');
}

async function removeArchiving(
  repo: string,
  opts: { worktree?: string; branch: string; ref: string; message: string; landed?: string; fleetPaths?: readonly string[] },
  when: 'always' | 'unless-branch-holds-it',
): Promise<string | null> {
  const branchRef = `refs/heads/${opts.branch}`;
  const tip = await readRef(repo, branchRef);
  const list = await listWorktrees(repo);
  const worktree = locateWorktree(list, opts.worktree, branchRef);
  const beyondLanded = opts.landed !== undefined && tip !== undefined && tip !== opts.landed && !(await isAncestor(repo, tip, opts.landed));
  const always = when === 'always' || beyondLanded;

  let archived: string | undefined;
  if (worktree && existsSync(worktree.path)) {
    // HEAD on the branch, or detached at its tip: the listing just read says which.
    const headIsBranch = worktree.branch === branchRef || worktree.head === tip;
    const needed = always || !headIsBranch || !(await isWorktreeClean(worktree.path, opts.fleetPaths));
    if (needed) archived = await snapshotWorktree(worktree.path, opts.message, { branch: opts.branch });
  } else if (worktree || always) {
    // Directory gone: nothing on disk to compare, so keep its last HEAD and the tip.
    archived = await keepMissing(repo, worktree?.head, tip, opts.message);
  }

  if (archived !== undefined) await anchor(repo, opts.ref, archived, opts.message);
  if (worktree) await removeWorktree(repo, worktree.path, list);
  await deleteBranch(repo, branchRef, tip);
  return archived !== undefined ? opts.ref : null;
}

/**
 * The registered worktree for this task: the given path if git knows it, else wherever the branch
 * is checked out (never the main worktree: that one is the user's, and is never removed).
 */
function locateWorktree(list: WorktreeRecord[], path: string | undefined, branchRef: string): WorktreeRecord | undefined {
  const record = path ? list.find((w) => samePath(w.path, path)) : undefined;
  return record ?? list.find((w, i) => i > 0 && w.branch === branchRef);
}

/**
 * What to keep of a worktree whose directory is gone: its last HEAD (git still records it) and the
 * branch tip; one commit with both as parents when they differ.
 */
async function keepMissing(repo: string, head: string | undefined, tip: string | undefined, message: string): Promise<string | undefined> {
  if (!head || head === tip || !(await revParse(repo, head))) return tip;
  if (!tip) return head;
  return commitTree(repo, await treeOf(repo, head), [head, tip], message);
}

async function deleteBranch(repo: string, branchRef: string, tip: string | undefined): Promise<void> {
  if (tip === undefined) return;
  if ((await deleteRef(repo, branchRef, tip)) === 'moved') {
    const now = await readRef(repo, branchRef);
    throw new ArchiveError(`Branch ${branchRef} moved to ${now} while it was being archived; it was kept.`);
  }
}
