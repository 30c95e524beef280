// Read-only questions `fleet clean` asks of a repository before it decides what to remove
// (engine/clean/plan.ts decides; engine/clean/apply.ts removes).
import { git } from './exec.js';

/** Refs under `prefixes` whose history contains `oid`. */
export async function refsContaining(repo: string, oid: string, prefixes: string[]): Promise<string[]> {
  const r = await git(repo, ['for-each-ref', '--contains', oid, '--format=%(refname)', ...prefixes]);
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/** Milliseconds since the epoch when `ref` was last written (its reflog), else its commit's date. */
export async function refWrittenAt(repo: string, ref: string): Promise<number | undefined> {
  const reflog = await git(repo, ['log', '-g', '-n', '1', '--date=unix', '--format=%gd', ref, '--']);
  const stamp = /@\{(\d+)\}$/.exec(reflog.stdout.trim())?.[1];
  if (reflog.exitCode === 0 && stamp) return Number(stamp) * 1000;
  const commit = await git(repo, ['log', '-n', '1', '--format=%ct', ref, '--']);
  return commit.exitCode === 0 && /^\d+$/.test(commit.stdout.trim()) ? Number(commit.stdout.trim()) * 1000 : undefined;
}

/** The records `git worktree prune` would drop now (`worktrees/<name>`). */
export async function prunableRecords(repo: string): Promise<string[]> {
  return (await git(repo, ['worktree', 'prune', '-n', '-v'])).stderr
    .split('\n')
    .map((l) => /^Removing (worktrees\/[^:]+):/.exec(l.trim())?.[1])
    .filter((x): x is string => !!x);
}
