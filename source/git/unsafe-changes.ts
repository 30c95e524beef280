import { posix } from 'node:path';
import { git } from './exec.js';

/**
 * What a branch changed that fleet must not merge unseen (docs/design.md#task-lifecycle): a path fleet copies or links
 * into worktrees (it would shadow the user's own ignored file), or a symlink pointing outside the
 * worktree. Returns one line per finding.
 */
export async function unsafeChanges(repo: string, base: string, tip: string, copyLinkPaths: string[]): Promise<string[]> {
  const r = await git(repo, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', base, tip], { raw: true });
  if (r.exitCode !== 0) throw new Error(`git diff-tree failed: ${r.stderr.trim()}`);
  const fields = r.stdout.split('\0');
  const findings: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i]!.split(' ');
    const path = fields[i + 1]!;
    const mode = meta[1];
    const blob = meta[3];
    if (!path) continue;
    const shadowed = copyLinkPaths.find((p) => {
      const clean = p.replace(/\/+$/, '');
      return path === clean || path.startsWith(`${clean}/`);
    });
    if (shadowed) findings.push(`${path}: adds a file under "${shadowed}", which fleet copies or links into worktrees`);
    if (mode === '120000' && blob) {
      const target = (await git(repo, ['cat-file', 'blob', blob])).stdout;
      if (symlinkEscapes(path, target)) findings.push(`${path}: symlink points outside the worktree (${target})`);
    }
  }
  return findings;
}

export function symlinkEscapes(linkPath: string, target: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}
