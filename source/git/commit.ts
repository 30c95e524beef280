// Committing what an agent left uncommitted in its worktree.
import { git, gitOk, GitError } from './exec.js';
import { excludeSpecs, identityEnv, looseRef } from './repo.js';
import { linkedGitDirOf, readHeadFile } from './worktree-list.js';

/** The full ref HEAD is on (refs/heads/…), or undefined when HEAD is detached. */
export async function currentBranch(worktree: string): Promise<string | undefined> {
  // A linked worktree's HEAD file answers without a git process; anything else asks git.
  const gitDir = await linkedGitDirOf(worktree);
  const head = gitDir === undefined ? undefined : await readHeadFile(gitDir);
  if (head) return head.branch;
  const args = ['symbolic-ref', '-q', 'HEAD'];
  const r = await git(worktree, args);
  if (r.exitCode === 0) return r.stdout.trim();
  if (r.exitCode === 1) return undefined;
  throw new GitError(args, r.exitCode, r.stderr);
}


/**
 * Stages everything (tracked changes, deletions, untracked files) except the copy/link paths,
 * and commits it if anything is staged — with the user's hooks and signing off, so a failing
 * pre-commit hook or a gpg prompt can never strand an agent's work uncommitted. `identityOf`: the
 * directory whose config names the committer (the task's repository: one cached read serves
 * every task, where each new worktree would be a new cache entry; the same for the tip).
 */
export async function autoCommit(
  worktree: string,
  message: string,
  excludePaths: string[],
  identityOf = worktree,
): Promise<{ committed: boolean; tip: string }> {
  const excludes = excludeSpecs(excludePaths);
  const addArgs = ['add', '-A', '--', '.', ...excludes];
  const added = await git(worktree, addArgs);
  // git 2.39 exits 1 when an exclude pathspec names an ignored path (a copied .env, the usual
  // case), after staging everything else: only that complaint is not a failure.
  if (added.exitCode !== 0 && !(added.exitCode === 1 && onlyIgnoredPaths(added.stderr))) {
    const embedded = NO_COMMIT_CHECKED_OUT.exec(added.stderr)?.[1];
    if (embedded === undefined) throw new GitError(addArgs, added.exitCode, added.stderr);
    throw new Error(
      `${embedded}/ is a git repository with nothing committed (an embedded \`git init\`), and git cannot commit it into the task's branch; ` +
        'retry or discard the task (its files are archived either way)',
    );
  }
  if (excludes.length > 0) {
    // An agent may have force-added a copied .env itself: take those paths back out of the index.
    await gitOk(worktree, ['reset', '--quiet', '--', ...excludes.map((s) => s.replace(':(exclude,literal)', ':(literal)'))]);
  }

  // No `diff --cached --quiet` first: commit itself says when nothing is staged (exit 1 and its
  // status text, in English whatever the locale: see exec.ts), one git process fewer per task.
  const args = ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '-F', '-'];
  const r = await git(worktree, args, {
    input: message.endsWith('\n') ? message : `${message}\n`,
    env: await identityEnv(identityOf),
  });
  const committed = r.exitCode === 0;
  if (!committed && !(r.exitCode === 1 && NOTHING_STAGED.test(r.stdout))) throw new GitError(args, r.exitCode, r.stderr || r.stdout);
  // On its branch, the tip is that branch's ref: read in `identityOf` (the repository), where the
  // loose-ref read needs no new git process per worktree.
  const branch = await currentBranch(worktree);
  const tip = (branch && (await looseRef(identityOf, branch))) || (await gitOk(worktree, ['rev-parse', '--verify', 'HEAD']));
  return { committed, tip };
}

/** `git add`'s list of ignored paths it was given, and its hints: nothing else went wrong. */
function onlyIgnoredPaths(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return /^The following paths are ignored by one of your \.gitignore files:$/.test(lines[0] ?? '') && !lines.some((l) => /^(fatal|error):/.test(l));
}

/** What `git add` says of an untracked directory holding a repository with no commit yet. */
export const NO_COMMIT_CHECKED_OUT = /^error: '(.+?)\/?' does not have a commit checked out$/m;

/** What `git commit` prints (on stdout, exit 1) when the index matches HEAD. */
const NOTHING_STAGED = /^(nothing to commit|nothing added to commit|no changes added to commit)/m;
