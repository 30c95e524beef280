// Path identity for worktrees: git records absolute paths, callers may pass relative or
// symlinked ones, and a removed worktree's directory no longer exists to realpath.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** realpath of `p`, or of its nearest existing ancestor with the rest appended. */
export function canonicalPath(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonicalPath(parent), basename(abs));
  }
}

export function samePath(a: string, b: string): boolean {
  return canonicalPath(a) === canonicalPath(b);
}

/**
 * True when `p` lies strictly inside `dir`, judged on the resolved paths without following
 * symlinks: a relative path from config ("../x", "/etc/x", "") cannot escape or name `dir` itself.
 */
export function insideDir(dir: string, p: string): boolean {
  const rel = relative(resolve(dir), resolve(p));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
