// Moving base to a tested candidate (docs/design.md#advancing-base) without ever clobbering the user's checkout.
// Not in use → update-ref CAS. Checked out → `merge --ff-only` in that worktree, the one write
// fleet ever makes to a user's tree; git refuses it whenever local edits would be overwritten.
// Being rebased, mid-merge, locked → wait. Failures are classified by looking at state afterwards
// (has base moved? is a lock or merge in the way?), not by exit codes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './exec.js';
import { updateRef } from './refs.js';
import { isAncestor, revParse } from './repo.js';
import { branchUse, gitDirOf } from './worktree-list.js';

export type AdvanceResult =
  | { kind: 'advanced'; how: 'update-ref' | 'ff-only'; worktree?: string; warning?: string }
  | { kind: 'moved'; current: string }
  | { kind: 'waiting'; reason: string };

export class BaseError extends Error {
  override name = 'BaseError';
}

/**
 * `opts.stackedOn`: the caller built `candidate` itself with `expected` as an ancestor (the merge
 * queue's commit-tree stacks), so the ancestry check would only repeat what construction proves.
 */
export async function advanceBase(repo: string, base: string, candidate: string, expected: string, opts: { stackedOn?: boolean } = {}): Promise<AdvanceResult> {
  const ref = `refs/heads/${base}`;
  const current = await revParse(repo, ref);
  if (current === undefined) throw new BaseError(`Base branch ${base} does not exist.`);
  if (current !== expected) return { kind: 'moved', current };
  // The queue passes the commit ids it built; only a name needs resolving.
  const target = /^[0-9a-f]{40,64}$/.test(candidate) ? candidate : await revParse(repo, candidate);
  if (target === undefined) throw new BaseError(`Candidate ${candidate} is not a commit.`);
  // Base only ever moves forward onto something that contains it.
  if (!opts.stackedOn && !(await isAncestor(repo, expected, target))) {
    throw new BaseError(`Candidate ${target} does not contain base ${base} at ${expected}; refusing to move base backwards or sideways.`);
  }

  const use = await branchUse(repo, ref);
  if (use.rebasing.length > 0) return { kind: 'waiting', reason: `${base} is being rebased in ${use.rebasing[0]}.` };
  if (use.checkedOut.length > 1) {
    return { kind: 'waiting', reason: `${base} is checked out in ${use.checkedOut.length} worktrees (${use.checkedOut.join(', ')}).` };
  }
  const checkout = use.checkedOut[0];
  if (checkout !== undefined) return fastForwardCheckout(repo, base, checkout, target, expected);

  const r = await updateRef(repo, ref, target, expected, `fleet: advance ${base} to tested candidate`);
  if (r === 'moved') return { kind: 'moved', current: (await revParse(repo, ref)) ?? '' };
  // Unavoidable check-then-act window: the user may have checked base out just before the CAS.
  const after = await branchUse(repo, ref);
  const raced = after.checkedOut[0];
  if (raced === undefined) return { kind: 'advanced', how: 'update-ref' };
  return {
    kind: 'advanced',
    how: 'update-ref',
    warning:
      `${base} was checked out in ${raced} while fleet moved it from ${expected.slice(0, 12)} to ${target.slice(0, 12)}; ` +
      `if \`git status\` there shows fleet's changes as staged reverts, run \`git read-tree -m -u ${expected} HEAD\` in it.`,
  };
}

/** Why this checkout cannot take a fast-forward right now, or undefined when nothing is in the way. */
async function obstacle(worktree: string): Promise<string | undefined> {
  const gitDir = await gitDirOf(worktree);
  const states: [string, string][] = [
    ['MERGE_HEAD', 'a merge is in progress'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick is in progress'],
    ['REVERT_HEAD', 'a revert is in progress'],
    ['rebase-merge', 'a rebase is in progress'],
    ['rebase-apply', 'a rebase or am is in progress'],
    ['index.lock', 'index.lock exists (another git process is running, or one crashed)'],
  ];
  for (const [file, what] of states) if (existsSync(join(gitDir, file))) return `${what} in ${worktree}`;
  return undefined;
}

async function fastForwardCheckout(
  repo: string,
  base: string,
  worktree: string,
  target: string,
  expected: string,
): Promise<AdvanceResult> {
  if (!existsSync(worktree)) {
    return { kind: 'waiting', reason: `${base} is checked out in ${worktree}, which no longer exists; \`git worktree prune\` clears that record.` };
  }
  const blocked = await obstacle(worktree);
  if (blocked) return { kind: 'waiting', reason: `Cannot fast-forward ${base}: ${blocked}.` };

  // Options neutralise user config that would otherwise touch their tree beyond a fast-forward:
  // autostash (stash + pop of their edits), signature checks, submodule recursion, hooks.
  const r = await git(worktree, [
    '-c', 'gc.auto=0',
    '-c', 'maintenance.auto=false',
    '-c', 'submodule.recurse=false',
    '-c', 'core.quotePath=false',
    'merge', '--ff-only', '--no-overwrite-ignore', '--no-autostash', '--no-verify-signatures', '--quiet',
    target,
  ], { env: { GIT_REFLOG_ACTION: `fleet: fast-forward ${base}` } });

  const now = await revParse(repo, `refs/heads/${base}`);
  if (r.exitCode === 0 && now === target) return { kind: 'advanced', how: 'ff-only', worktree };
  if (now !== expected) return now === target ? { kind: 'advanced', how: 'ff-only', worktree } : { kind: 'moved', current: now ?? '' };

  const stillBlocked = await obstacle(worktree);
  if (stillBlocked) return { kind: 'waiting', reason: `Cannot fast-forward ${base}: ${stillBlocked}.` };
  const paths = pathsInTheWay(r.stderr);
  if (paths.length > 0) {
    return { kind: 'waiting', reason: `Cannot fast-forward ${base} in ${worktree}: local changes or untracked files in the way (${paths.join(', ')}).` };
  }
  const why = r.stderr.split('\n').find((l) => /^(fatal|error):/.test(l.trim()))?.trim() ?? `git merge exited with ${r.exitCode}`;
  return { kind: 'waiting', reason: `Cannot fast-forward ${base} in ${worktree}: ${why.replace(/^(fatal|error):\s*/, '')}` };
}

/** The tab-indented path lists git prints under "would be overwritten by merge". */
function pathsInTheWay(stderr: string): string[] {
  const paths: string[] = [];
  let listing = false;
  for (const line of stderr.split('\n')) {
    if (/would be (overwritten|removed) by merge/.test(line)) listing = true;
    else if (listing && line.startsWith('\t')) paths.push(line.trim());
    else listing = false;
  }
  return paths;
}
