import { posix } from 'node:path';
import { git } from './exec.js';

/**
 * What a branch changed that fleet must not merge unseen (docs/design.md#task-lifecycle): a path fleet copies or links
 * into worktrees (it would shadow the user's own ignored file), a symlink pointing outside the
 * worktree, or a nested git repository (a gitlink). `findings`: one line each. `changed`: whether the trees differ at all — the same
 * diff answers "did the task change anything", so the attempt needs no separate tree lookup.
 */
export async function unsafeChanges(repo: string, base: string, tip: string, copyLinkPaths: string[]): Promise<{ findings: string[]; changed: boolean }> {
  const r = await git(repo, ['diff-tree', '-r', '-z', '--no-renames', base, tip], { raw: true });
  if (r.exitCode !== 0) throw new Error(`git diff-tree failed: ${r.stderr.trim()}`);
  const fields = r.stdout.split('\0');
  const findings: string[] = [];
  let changed = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // ":<old mode> <new mode> <old blob> <new blob> <status>", then the path.
    const meta = fields[i]!.split(' ');
    const path = fields[i + 1]!;
    if (!path) continue;
    changed = true;
    if (!['A', 'M', 'T'].includes(meta[4] ?? '')) continue; // a deletion adds nothing
    const mode = meta[1];
    const blob = meta[3];
    const shadowed = copyLinkPaths.find((p) => {
      const clean = p.replace(/\/+$/, '');
      return path === clean || path.startsWith(`${clean}/`);
    });
    if (shadowed) findings.push(`${path}: adds a file under "${shadowed}", which fleet copies or links into worktrees`);
    // A gitlink's commit lives in the nested repository, not in this one: merged, base would point
    // at a commit it cannot show, and removing the worktree would delete the only copy.
    if (mode === '160000') findings.push(`${path}: a nested git repository (commit ${blob?.slice(0, 12)}), whose commits this repository does not hold`);
    if (mode === '120000' && blob) {
      const target = (await git(repo, ['cat-file', 'blob', blob])).stdout;
      if (symlinkEscapes(path, target)) findings.push(`${path}: symlink points outside the worktree (${target})`);
    }
  }
  return { findings, changed };
}

export function symlinkEscapes(linkPath: string, target: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}
