// Read-only questions about a repository: where it lives, what a name resolves to, who commits.
import { readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { git, gitOk, GitError } from './exec.js';

export class NotARepositoryError extends Error {
  override name = 'NotARepositoryError';
  constructor(readonly path: string) {
    super(`${path} is not inside a git working tree.`);
  }
}

/** Top level of the working tree holding `path`, and the repository's common git dir (both realpaths). */
export async function repoInfo(path: string): Promise<{ topLevel: string; commonDir: string }> {
  let dir: string;
  try {
    dir = await realpath(resolve(path));
  } catch {
    throw new NotARepositoryError(path);
  }
  // Asked before every worktree admin step; a directory's repository does not change under a run.
  const known = repoInfoCache.get(dir);
  if (known) return known;
  const r = await git(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
  const [topLevel, commonDir] = r.stdout.split('\n');
  if (r.exitCode !== 0 || !topLevel || !commonDir) throw new NotARepositoryError(path);
  const info = { topLevel: await realpath(topLevel), commonDir: await realpath(commonDir) };
  repoInfoCache.set(dir, info);
  return info;
}

const repoInfoCache = new Map<string, { topLevel: string; commonDir: string }>();

/** True when `path` is the top level of a working tree (not a subdirectory, not outside any repo). */
export async function isTopLevel(path: string): Promise<boolean> {
  try {
    const { topLevel } = await repoInfo(path);
    return topLevel === (await realpath(resolve(path)));
  } catch (error) {
    if (error instanceof NotARepositoryError) return false;
    throw error;
  }
}

/**
 * The commit `rev` names, or undefined when it names none. A branch or fleet ref is read from its
 * loose file when it has one (no git process: the queue reads base's tip for every merge).
 */
export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const loose = await looseRef(cwd, rev);
  if (loose !== undefined) return loose;
  const r = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return r.exitCode === 0 && r.stdout ? r.stdout.trim() : undefined;
}

/** Shared refs fleet reads often, with names that are plain paths (anything else goes to git). */
const PLAIN_SHARED_REF = /^refs\/(heads|fleet)\/(?!.*(\.\.|\/\/|\/\.|\.lock$|\/$))[A-Za-z0-9._@+\/-]+$/;

/**
 * A branch or fleet ref read straight from its loose file, as git resolves it first: git writes
 * the file by lock and rename, so a reader sees the old value or the new, never half. Undefined
 * when there is no such file (a packed or symbolic ref, another ref store): the caller asks git.
 */
export async function looseRef(cwd: string, ref: string): Promise<string | undefined> {
  if (!PLAIN_SHARED_REF.test(ref)) return undefined;
  const commonDir = await repoInfo(cwd).then((i) => i.commonDir, () => undefined);
  if (commonDir === undefined) return undefined;
  const text = await readFile(join(commonDir, ref), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/.exec(text)?.[1];
}

export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', ancestor, descendant];
  const r = await git(cwd, args);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 1) return false; // 1 is "no"; anything else (bad name: 128) is an error
  throw new GitError(args, r.exitCode, r.stderr);
}

export async function treeOf(cwd: string, commit: string): Promise<string> {
  return gitOk(cwd, ['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`]);
}

/** `branch` is a short name such as "main" or "fleet/schema". */
export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  const args = ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`];
  const r = await git(cwd, args);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 1) return false;
  throw new GitError(args, r.exitCode, r.stderr);
}

export async function gitVersion(): Promise<{ major: number; minor: number; patch: number }> {
  // "git version 2.39.5", "git version 2.39.3 (Apple Git-146)", "git version 2.45.1.windows.1"
  const out = await gitOk(tmpdir(), ['--version']);
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) throw new Error(`Cannot read the git version from "${out}".`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export const FALLBACK_IDENTITY = { name: 'fleet', email: 'fleet@localhost' } as const;

/**
 * author.*, user.* and committer.* name/email in one git call (the last value wins, as in git):
 * an identity lookup happens for every commit fleet makes.
 */
async function identityConfig(cwd: string): Promise<Map<string, string>> {
  const r = await git(cwd, ['config', '-z', '--get-regexp', '^(author|user|committer)\\.(name|email)$']);
  const values = new Map<string, string>();
  if (r.exitCode !== 0) return values;
  for (const entry of r.stdout.split('\0')) {
    const nl = entry.indexOf('\n');
    if (nl <= 0) continue;
    const value = entry.slice(nl + 1).trim();
    if (value) values.set(entry.slice(0, nl).toLowerCase(), value);
  }
  return values;
}

/**
 * The author fleet commits as: GIT_AUTHOR_* env, else author.* / user.* config, else
 * `fleet <fleet@localhost>` (per field), so an unconfigured machine never stops the queue.
 */
export async function identity(cwd: string, config?: Map<string, string>): Promise<{ name: string; email: string }> {
  const env = process.env;
  const c = config ?? (await identityConfig(cwd));
  const name = env.GIT_AUTHOR_NAME || c.get('author.name') || c.get('user.name');
  const email = env.GIT_AUTHOR_EMAIL || c.get('author.email') || c.get('user.email') || env.EMAIL;
  return { name: name || FALLBACK_IDENTITY.name, email: email || FALLBACK_IDENTITY.email };
}

/**
 * Env for a commit fleet makes: the identity above for author and committer, except where the
 * caller's environment already names a committer (git would use it anyway).
 */
export async function identityEnv(cwd: string): Promise<Record<string, string>> {
  // The queue commits once per task in the same repository: one config read every few seconds is enough.
  const known = identityCache.get(cwd);
  if (known && known.until > Date.now()) return known.env;
  const env = await readIdentityEnv(cwd);
  identityCache.set(cwd, { env, until: Date.now() + IDENTITY_TTL_MS });
  return env;
}

const IDENTITY_TTL_MS = 5_000;
const identityCache = new Map<string, { env: Record<string, string>; until: number }>();

async function readIdentityEnv(cwd: string): Promise<Record<string, string>> {
  const config = await identityConfig(cwd);
  const who = await identity(cwd, config);
  const env = process.env;
  return {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || config.get('committer.name') || who.name,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || config.get('committer.email') || who.email,
  };
}

/** Paths that differ between two commits; a rename counts as both its old and its new path. */
export async function changedPaths(cwd: string, from: string, to: string): Promise<string[]> {
  const args = ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', from, to, '--'];
  const r = await git(cwd, args, { raw: true });
  if (r.exitCode !== 0) throw new GitError(args, r.exitCode, r.stderr);
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * No tracked change and no untracked (non-ignored) file. --untracked-files=all overrides a user's
 * status.showUntrackedFiles=no, which would otherwise hide work that a removal must archive;
 * --no-optional-locks keeps polling from taking the index lock an agent needs.
 */
export async function isWorktreeClean(worktree: string, fleetPaths: readonly string[] = []): Promise<boolean> {
  const out = await gitOk(worktree, [
    '--no-optional-locks',
    'status',
    '--porcelain',
    '-z',
    '--untracked-files=all',
    '--ignore-submodules=none',
    ...(fleetPaths.length > 0 ? ['--', '.', ...excludeSpecs(fleetPaths)] : []),
  ]);
  return out === '';
}

/** Pathspecs leaving out paths fleet put into a worktree itself (copy, link); literal, so "*" or ":" in a name means itself. */
export function excludeSpecs(paths: readonly string[]): string[] {
  return paths.map((p) => p.replace(/\/+$/, '')).filter(Boolean).map((p) => `:(exclude,literal)${p}`);
}
