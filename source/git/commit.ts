// Committing what an agent left uncommitted in its worktree.
import { git, gitOk, GitError } from './exec.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { identityEnv } from './repo.js';
import { linkedGitDirOf } from './worktree-list.js';

/** The full ref HEAD is on (refs/heads/…), or undefined when HEAD is detached. */
export async function currentBranch(worktree: string): Promise<string | undefined> {
  // A linked worktree's HEAD file says it without a git process: `ref: refs/heads/…` or a commit id.
  const gitDir = await linkedGitDirOf(worktree);
  const head = gitDir === undefined ? undefined : await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => undefined);
  if (head !== undefined) {
    const m = /^ref: (refs\/\S+)\s*$/.exec(head);
    if (m) return m[1];
    if (/^[0-9a-f]{40,64}\s*$/.test(head)) return undefined;
  }
  const args = ['symbolic-ref', '-q', 'HEAD'];
  const r = await git(worktree, args);
  if (r.exitCode === 0) return r.stdout.trim();
  if (r.exitCode === 1) return undefined;
  throw new GitError(args, r.exitCode, r.stderr);
}

/** Pathspecs for paths fleet put into the worktree itself; literal, so "*" or ":" in a name means itself. */
function excludeSpecs(excludePaths: string[]): string[] {
  return excludePaths.map((p) => p.replace(/\/+$/, '')).filter(Boolean).map((p) => `:(exclude,literal)${p}`);
}

/**
 * Stages everything (tracked changes, deletions, untracked files) except the copy/link paths,
 * and commits it if anything is staged — with the user's hooks and signing off, so a failing
 * pre-commit hook or a gpg prompt can never strand an agent's work uncommitted.
 */
export async function autoCommit(
  worktree: string,
  message: string,
  excludePaths: string[],
): Promise<{ committed: boolean; tip: string }> {
  const excludes = excludeSpecs(excludePaths);
  await gitOk(worktree, ['add', '-A', '--', '.', ...excludes]);
  if (excludes.length > 0) {
    // An agent may have force-added a copied .env itself: take those paths back out of the index.
    await gitOk(worktree, ['reset', '--quiet', '--', ...excludes.map((s) => s.replace(':(exclude,literal)', ':(literal)'))]);
  }

  const staged = await git(worktree, ['diff', '--cached', '--quiet', '--no-ext-diff']);
  if (staged.exitCode > 1) throw new GitError(['diff', '--cached', '--quiet'], staged.exitCode, staged.stderr);
  if (staged.exitCode === 1) {
    await gitOk(worktree, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '-F', '-'], {
      input: message.endsWith('\n') ? message : `${message}\n`,
      env: await identityEnv(worktree),
    });
  }
  const tip = await gitOk(worktree, ['rev-parse', '--verify', 'HEAD']);
  return { committed: staged.exitCode === 1, tip };
}
