import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, GitError, gitOk } from './exec.js';

export interface DiffOptions {
  /** Only the summary of changed files; else the summary, then the patch. */
  stat?: boolean;
  color?: boolean;
  /** Paths shown before all others (a conflict's paths). */
  first?: readonly string[];
}

/** git's own diff of `from`..`to`, as text; user config (external diff tools, renames) left out. */
export async function diffText(repo: string, from: string, to: string, opts: DiffOptions = {}): Promise<string> {
  const args = ['-c', 'core.quotePath=false', 'diff', '--no-ext-diff', '--no-textconv', opts.color ? '--color=always' : '--no-color'];
  args.push(...(opts.stat ? ['--stat'] : ['--stat', '--patch']));
  const dir = opts.first?.length ? await mkdtemp(join(tmpdir(), 'fleet-diff-')) : undefined;
  try {
    if (dir) {
      // An order file is matched as globs; the paths are written as literal names.
      const file = join(dir, 'order');
      await writeFile(file, `${opts.first!.map((p) => p.replace(/[*?[\\]/g, '\\$&')).join('\n')}\n`);
      args.push(`-O${file}`);
    }
    const all = [...args, from, to, '--'];
    // Raw: a stat line starts with a space, which trimming would take.
    const r = await git(repo, all, { raw: true });
    if (r.exitCode !== 0) throw new GitError(all, r.exitCode, r.stderr);
    return r.stdout.replace(/\n$/, '');
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** The commit two commits forked from, or undefined when they share none. */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | undefined> {
  try {
    return await gitOk(repo, ['merge-base', a, b]);
  } catch {
    return undefined;
  }
}

/** The pager git would use here (GIT_PAGER, core.pager, PAGER, else less). */
export async function gitPager(repo: string): Promise<string> {
  return gitOk(repo, ['var', 'GIT_PAGER']);
}
