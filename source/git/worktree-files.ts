import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { git } from './exec.js';
import { insideDir } from './paths.js';

/**
 * Ignored files a fresh worktree needs (.env, local config, model caches): `copy` paths and
 * whatever `.worktreeinclude` matches are copied (reflink where the filesystem can), `link` paths
 * are symlinked to the main checkout. Tracked paths are never touched: the checkout owns them.
 * Returns the relative paths brought in.
 */
export async function bringIgnoredFiles(repo: string, worktree: string, copy: string[], link: string[]): Promise<string[]> {
  const brought: string[] = [];
  const wanted = new Set([...copy, ...(await worktreeIncludeMatches(repo))]);
  for (const rel of wanted) {
    const from = join(repo, rel);
    const to = join(worktree, rel);
    if (!insideDir(repo, from) || !insideDir(worktree, to) || !existsSync(from) || existsSync(to)) continue;
    if (await isTracked(repo, rel)) continue;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true, mode: constants.COPYFILE_FICLONE, verbatimSymlinks: true });
    brought.push(rel);
  }
  for (const rel of link) {
    const from = join(repo, rel);
    const to = join(worktree, rel);
    if (!insideDir(repo, from) || !insideDir(worktree, to) || !existsSync(from) || pathExists(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(from, to);
    brought.push(rel);
  }
  return brought;
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function isTracked(repo: string, rel: string): Promise<boolean> {
  const r = await git(repo, ['ls-files', '-z', '--', `:(literal)${rel}`]);
  return r.stdout.length > 0;
}

/** Untracked, ignored files matching `.worktreeinclude` (gitignore syntax), as Claude Code, Codex and ccmanager read it. */
async function worktreeIncludeMatches(repo: string): Promise<string[]> {
  const includeFile = join(repo, '.worktreeinclude');
  if (!existsSync(includeFile) || readFileSync(includeFile, 'utf8').trim() === '') return [];
  const listed = await git(repo, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${includeFile}`], { raw: true });
  const candidates = listed.stdout.split('\0').filter(Boolean);
  if (candidates.length === 0) return [];
  const ignored = await git(repo, ['check-ignore', '-z', '--stdin'], { input: `${candidates.join('\0')}\0`, raw: true });
  return ignored.stdout.split('\0').filter(Boolean);
}
