// Merging the base into a task's own worktree: the one place fleet runs a merge with a working
// tree, and only when the user asked an agent to resolve a conflict (docs/design.md#task-lifecycle). Never in the
// user's checkout.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitOk, GitError } from './exec.js';
import { identityEnv } from './repo.js';
import { gitDirOf } from './worktree-list.js';

/** Starts merging `commit` into the worktree's branch; returns the paths left in conflict. */
export async function startMerge(worktree: string, commit: string, message: string): Promise<string[]> {
  const args = ['-c', 'merge.autoStash=false', 'merge', '--no-ff', '--no-commit', '--no-verify', '-m', message, commit];
  const r = await git(worktree, args, { env: await identityEnv(worktree) });
  if (r.exitCode === 0) return [];
  const conflicted = await git(worktree, ['diff', '--name-only', '-z', '--diff-filter=U'], { raw: true });
  const paths = conflicted.stdout.split('\0').filter(Boolean);
  if (paths.length === 0) throw new GitError(args, r.exitCode, r.stderr);
  return paths;
}

/** True while a merge is in progress in the worktree. */
export async function mergeInProgress(worktree: string): Promise<boolean> {
  const gitDir = await gitDirOf(worktree);
  return existsSync(join(gitDir, 'MERGE_HEAD'));
}

/** Records the merge even when the resolution changed nothing relative to the branch. */
export async function finishMerge(worktree: string, message: string): Promise<void> {
  if (!(await mergeInProgress(worktree))) return;
  await gitOk(worktree, ['add', '-A']);
  await gitOk(worktree, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-F', '-'], {
    input: message.endsWith('\n') ? message : `${message}\n`,
    env: await identityEnv(worktree),
  });
}

/** Paths (of those given) that still hold conflict markers. */
export async function pathsWithMarkers(worktree: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const r = await git(worktree, ['grep', '-l', '-z', '--no-index', '-e', '^<<<<<<< ', '-e', '^>>>>>>> ', '--', ...paths.map((p) => `:(literal)${p}`)], { raw: true });
  return r.stdout.split('\0').filter(Boolean);
}
