// Compare-and-swap ref updates. A lost CAS is an answer ("someone else moved it"), not an error:
// the caller recomputes. Branches that are checked out or being rebased are never moved or
// deleted here — plumbing would do it silently and leave the user's checkout "reverted and staged".
import { git, GitError } from './exec.js';
import { looseRef } from './repo.js';
import { branchUse } from './worktree-list.js';

export class BranchInUseError extends Error {
  override name = 'BranchInUseError';
  constructor(
    readonly ref: string,
    readonly worktree: string,
  ) {
    super(`Refusing to move ${ref}: it is checked out or being rebased in ${worktree}.`);
  }
}

export class InvalidRefError extends Error {
  override name = 'InvalidRefError';
  constructor(readonly ref: string) {
    super(`"${ref}" is not a full ref name under refs/.`);
  }
}

/** update-ref accepts any name, and "main" would become a stray file `.git/main`. */
function assertFullRef(ref: string): void {
  if (!/^refs\/[^\0\n]+$/.test(ref) || ref.startsWith('refs/-')) throw new InvalidRefError(ref);
}

async function assertNotInUse(cwd: string, ref: string): Promise<void> {
  if (!ref.startsWith('refs/heads/')) return;
  const use = await branchUse(cwd, ref);
  const where = use.checkedOut[0] ?? use.rebasing[0];
  if (where !== undefined) throw new BranchInUseError(ref, where);
}

/** "is at X but expected Y", "reference already exists", "unable to resolve reference": the CAS lost. */
const CAS_LOST = /is at [0-9a-f]+ but expected|reference already exists|unable to resolve reference/;

/** Creates `ref` at `sha` only if it does not exist yet; keeps a reflog even outside refs/heads. */
export async function createRef(cwd: string, ref: string, sha: string, reason?: string): Promise<'ok' | 'exists'> {
  return createRefWith(cwd, { ref, sha }, [], reason);
}

/**
 * Creates `create.ref` only if it does not exist yet and, in the same transaction, points the
 * fleet-owned `also` refs at their commits: all are written, or none is ('exists': the created
 * ref was already there). A task's branch and its recorded base cost one git process, not two.
 */
export async function createRefWith(
  cwd: string,
  create: { ref: string; sha: string },
  also: readonly { ref: string; sha: string }[],
  reason?: string,
): Promise<'ok' | 'exists'> {
  const ops: RefOp[] = [{ op: 'create', ...create }, ...also.map((a): RefOp => ({ op: 'update', ...a }))];
  return (await refTransaction(cwd, ops, reason)) === 'ok' ? 'ok' : 'exists';
}

/** Moves `ref` from `expected` to `next`; 'moved' when it no longer points at `expected` (or is gone). */
export async function updateRef(
  cwd: string,
  ref: string,
  next: string,
  expected: string,
  reason?: string,
): Promise<'ok' | 'moved'> {
  assertFullRef(ref);
  await assertNotInUse(cwd, ref);
  const args = ['update-ref', ...(reason ? ['-m', reason] : []), ref, next, expected];
  const r = await git(cwd, args);
  if (r.exitCode === 0) return 'ok';
  if (CAS_LOST.test(r.stderr)) return 'moved';
  throw new GitError(args, r.exitCode, r.stderr);
}

/** Deletes `ref`; with `expected`, only while it still points there. */
export async function deleteRef(cwd: string, ref: string, expected?: string): Promise<'ok' | 'moved' | 'missing'> {
  assertFullRef(ref);
  // With an expected value the CAS itself says whether the ref was there; without, look first.
  if (expected === undefined && (await readRef(cwd, ref)) === undefined) return 'missing';
  await assertNotInUse(cwd, ref);
  const args = ['update-ref', '-d', ref, ...(expected ? [expected] : [])];
  const r = await git(cwd, args);
  if (r.exitCode === 0) return 'ok';
  if (CAS_LOST.test(r.stderr)) return (await readRef(cwd, ref)) === undefined ? 'missing' : 'moved';
  throw new GitError(args, r.exitCode, r.stderr);
}

/**
 * Ref name → object id for every ref under the given prefixes (all refs when none are given).
 * git 2.39's for-each-ref has no -z; ref names cannot contain NUL or newline, so a NUL between
 * the fields and a newline between records parse unambiguously.
 */
export async function listRefs(cwd: string, prefixes: string[]): Promise<Map<string, string>> {
  const args = ['for-each-ref', '--format=%(refname)%00%(objectname)', ...prefixes];
  const r = await git(cwd, args, { raw: true });
  if (r.exitCode !== 0) throw new GitError(args, r.exitCode, r.stderr);
  const refs = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [name, oid] = line.split('\0');
    if (name && oid) refs.set(name, oid);
  }
  return refs;
}

/** The object a full ref points at, or undefined when it does not exist. */
export async function readRef(cwd: string, ref: string): Promise<string | undefined> {
  assertFullRef(ref);
  const loose = await looseRef(cwd, ref);
  if (loose !== undefined) return loose;
  const args = ['show-ref', '--verify', '--hash', ref];
  const r = await git(cwd, args);
  if (r.exitCode === 0) return r.stdout.trim() || undefined;
  if (r.exitCode === 1 || /not a valid ref/.test(r.stderr)) return undefined;
  throw new GitError(args, r.exitCode, r.stderr);
}

/**
 * Points a fleet-owned ref at `sha`, creating it if needed, in one step: never delete-then-create,
 * so a crash between the two can never leave the ref missing. Loses (returns 'moved') only to a
 * concurrent writer.
 */
export async function setRef(cwd: string, ref: string, sha: string, reason?: string): Promise<'ok' | 'moved'> {
  const current = await readRef(cwd, ref);
  if (current === sha) return 'ok';
  if (current === undefined) return (await createRef(cwd, ref, sha, reason)) === 'ok' ? 'ok' : 'moved';
  return updateRef(cwd, ref, sha, current, reason);
}

/**
 * Points several fleet-owned refs at their commits in one transaction (`update-ref --stdin`): a
 * batch's candidate refs are all written, or none is.
 */
export async function setRefs(cwd: string, refs: readonly { ref: string; sha: string }[], reason?: string): Promise<void> {
  await refTransaction(cwd, refs.map((r): RefOp => ({ op: 'update', ...r })), reason);
}

/** Deletes fleet-owned refs (not branches) in one transaction; missing ones are fine. */
export async function deleteRefs(cwd: string, refs: readonly string[]): Promise<void> {
  for (const ref of refs) if (ref.startsWith('refs/heads/')) throw new InvalidRefError(ref);
  await refTransaction(cwd, refs.map((ref): RefOp => ({ op: 'delete', ref })));
}

/**
 * One step of a ref transaction. `create` expects the ref to be absent; an `update` with
 * `expected` expects the ref there (a CAS); other updates and deletes write fleet-owned refs that
 * only this run moves.
 */
type RefOp = { op: 'create'; ref: string; sha: string } | { op: 'update'; ref: string; sha: string; expected?: string } | { op: 'delete'; ref: string };

function stdinLine(o: RefOp): string {
  if (o.op === 'delete') return `delete ${o.ref}\0\0`;
  if (o.op === 'create') return `create ${o.ref}\0${o.sha}\0`;
  return `update ${o.ref}\0${o.sha}\0${o.expected ?? ''}\0`;
}

/**
 * Applies `ops` in one `update-ref --stdin` call: all of them, or none. Created and updated refs
 * keep a reflog even outside refs/heads. 'lost' when an op with an expectation (a `create`, an
 * `update` with `expected`) found its ref elsewhere; any other failure throws.
 */
async function refTransaction(cwd: string, ops: readonly RefOp[], reason?: string): Promise<'ok' | 'lost'> {
  if (ops.length === 0) return 'ok';
  for (const { ref } of ops) assertFullRef(ref);
  const args = ['update-ref', '--create-reflog', ...(reason ? ['-m', reason] : []), '--stdin', '-z'];
  const r = await git(cwd, args, { input: ops.map(stdinLine).join('') });
  if (r.exitCode === 0) return 'ok';
  if (CAS_LOST.test(r.stderr) && ops.some((o) => o.op === 'create' || (o.op === 'update' && o.expected !== undefined))) return 'lost';
  throw new GitError(args, r.exitCode, r.stderr);
}

/**
 * Moves several refs from their expected commits to new ones in one transaction: all move, or
 * none does ('moved': one was no longer where expected). Unlike updateRef it moves a branch that
 * is checked out — only for a worktree fleet made and resets right after (a warm worktree brought
 * up to date, docs/design.md#warm-worktrees).
 */
export async function moveRefs(cwd: string, moves: readonly { ref: string; next: string; expected: string }[], reason?: string): Promise<'ok' | 'moved'> {
  const ops = moves.map(({ ref, next, expected }): RefOp => ({ op: 'update', ref, sha: next, expected }));
  return (await refTransaction(cwd, ops, reason)) === 'ok' ? 'ok' : 'moved';
}
