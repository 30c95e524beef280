// Merging without a working tree: merge-tree computes the result, commit-tree records it.
// Neither touches any checkout or moves any ref, so a conflict leaves base exactly as it was.
import { git, gitOk, GitError } from './exec.js';
import { identityEnv, revParse } from './repo.js';

export type MergeResult =
  | { kind: 'clean'; tree: string }
  | { kind: 'conflict'; tree: string; paths: string[]; messages: { paths: string[]; type: string; text: string }[] };

export class UnknownCommitError extends Error {
  override name = 'UnknownCommitError';
  constructor(readonly rev: string) {
    super(`${rev} does not name a commit.`);
  }
}

/**
 * 3-way merge of two commits with their real merge base (docs/design.md#candidates-merging-without-a-working-tree). Exit 1 means
 * "conflict" but also "unknown ref", so both inputs are verified first and exit 1 without a tree
 * is an error. Pass ref names rather than SHAs for readable conflict-marker labels.
 */
export async function mergeTree(repo: string, ours: string, theirs: string): Promise<MergeResult> {
  const args = ['merge-tree', '--write-tree', '-z', '--name-only', '--messages', '--end-of-options', ours, theirs];
  const r = await git(repo, args, { raw: true });
  const fields = r.stdout.split('\0');
  const tree = fields[0] ?? '';
  if ((r.exitCode !== 0 && r.exitCode !== 1) || !/^[0-9a-f]{40,64}$/.test(tree)) {
    // Only now tell "no such commit" apart from other failures: the queue merges once per task.
    for (const rev of [ours, theirs]) if (!(await revParse(repo, rev))) throw new UnknownCommitError(rev);
    throw new GitError(args, r.exitCode, r.stderr || 'merge-tree printed no tree');
  }
  if (r.exitCode === 0) return { kind: 'clean', tree };

  // TREE \0 path \0 … \0 \0 then per message: <N> \0 <path>×N \0 <type> \0 <text> \0
  let i = 1;
  const paths: string[] = [];
  while (i < fields.length && fields[i] !== '') paths.push(fields[i++]!);
  i++;
  const messages: { paths: string[]; type: string; text: string }[] = [];
  while (i < fields.length && fields[i] !== '') {
    const n = Number(fields[i++]);
    if (!Number.isInteger(n) || n < 0) break; // unexpected shape: keep what was parsed
    const msgPaths = fields.slice(i, i + n);
    i += n;
    const type = fields[i++] ?? '';
    const text = (fields[i++] ?? '').replace(/\n$/, '');
    messages.push({ paths: msgPaths, type, text });
  }
  return { kind: 'conflict', tree, paths, messages };
}

/**
 * Records `tree` as a commit (two parents: merge commit; one: squash). Author and committer are
 * the user's identity, or fleet's fallback on a machine with none. No hooks, no signing.
 */
export async function commitTree(repo: string, tree: string, parents: string[], message: string): Promise<string> {
  const args = ['commit-tree', '--no-gpg-sign', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'];
  // The message goes on stdin (-F -): byte-exact however long it is or however many lines it has.
  return gitOk(repo, args, { input: message.endsWith('\n') ? message : `${message}\n`, env: await identityEnv(repo) });
}
