// Every name fleet writes into a repository, each with its builder and its parser. `fleet clean`
// and `fleet ls` decide what is fleet's by parsing, and clean deletes what parses, so a parser
// accepts exactly what a builder makes: a task id (core/fleet.ts#TASK_ID_PATTERN) and a run id
// (engine/host/paths.ts#newRunId) in their places, nothing else. Builders refuse what would not parse.
// The table of names is in docs/clean.md.
import { TASK_ID_PATTERN } from './fleet.js';

/** newRunId(): 20261125-154907-3fa2. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export type RunRefKind = 'base' | 'candidates' | 'merged' | 'review';
const RUN_REF_KINDS: ReadonlySet<string> = new Set<RunRefKind>(['base', 'candidates', 'merged', 'review']);

export const BRANCH_REF_PREFIX = 'refs/heads/fleet/';
export const FLEET_REF_PREFIX = 'refs/fleet/';
export const ARCHIVE_REF_PREFIX = 'refs/fleet/archive/';

export function isTaskId(text: string): boolean {
  return TASK_ID_PATTERN.test(text);
}

export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

function must(ok: boolean, what: string, value: string | number): void {
  if (!ok) throw new Error(`fleet cannot put ${JSON.stringify(value)} into a ${what}`);
}

function checkId(id: string): void {
  must(isTaskId(id), 'task id', id);
}

function checkRun(runId: string): void {
  must(isRunId(runId), 'run id', runId);
}

function checkCount(n: number, min: number): void {
  must(Number.isSafeInteger(n) && n >= min, 'counter', n);
}

/** Decimal without leading zeros, so a number has one spelling and a parse builds it back. */
function count(text: string, min: number): number | undefined {
  if (!/^(0|[1-9]\d{0,8})$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min ? n : undefined;
}

// ───────────────────────────── task keys ─────────────────────────────

/** `<id>`, or `<project>:<id>` in a file with projects (core/fleet.ts#taskKey). */
export function parseTaskKey(key: string): { project?: string; id: string } | undefined {
  const parts = key.split(':');
  if (parts.length === 1) return isTaskId(key) ? { id: key } : undefined;
  const [project, id] = parts as [string, string];
  return parts.length === 2 && isTaskId(project) && isTaskId(id) ? { project, id } : undefined;
}

// ───────────────────────────── branches ─────────────────────────────

/** `fleet/<id>`: a task's branch. */
export function branchName(id: string): string {
  checkId(id);
  return `fleet/${id}`;
}

export function branchRef(id: string): string {
  return `refs/heads/${branchName(id)}`;
}

export const MAX_CANDIDATES = 8;

function checkCandidate(n: number): void {
  must(Number.isSafeInteger(n) && n >= 1 && n <= MAX_CANDIDATES, 'candidate number', n);
}

/** `<id>@<n>`: ids cannot hold `@`, so a candidate's name never clashes with a task's. */
function candidateName(id: string, n: number): string {
  checkId(id);
  checkCandidate(n);
  return `${id}@${n}`;
}

/** `<id>` or `<id>@<n>` with n in 1..8. */
export function parseCandidateName(text: string): { id: string; candidate?: number } | undefined {
  if (isTaskId(text)) return { id: text };
  const at = text.lastIndexOf('@');
  const id = text.slice(0, at);
  const n = count(text.slice(at + 1), 1);
  return at > 0 && isTaskId(id) && n !== undefined && n <= MAX_CANDIDATES ? { id, candidate: n } : undefined;
}

/** `fleet/<id>@<n>`: the branch of candidate n of a task (best-of-N). */
export function candidateBranchName(id: string, n: number): string {
  return `fleet/${candidateName(id, n)}`;
}

/** The task id and, for a candidate, its number, of `refs/heads/fleet/<id>` or `refs/heads/fleet/<id>@<n>`. */
export function parseBranch(ref: string): { id: string; candidate?: number } | undefined {
  if (!ref.startsWith(BRANCH_REF_PREFIX)) return undefined;
  return parseCandidateName(ref.slice(BRANCH_REF_PREFIX.length));
}

/** The task id of `refs/heads/fleet/<id>`, or of a candidate's `refs/heads/fleet/<id>@<n>`. */
export function parseBranchRef(ref: string): string | undefined {
  return parseBranch(ref)?.id;
}

// ───────────────────────────── worktree directories ─────────────────────────────

/** `<worktreeDir>/<id>`: a task's worktree. */
export function worktreePath(worktreeDir: string, id: string): string {
  checkId(id);
  return `${worktreeDir}/${id}`;
}

/** `_gate-<run>` for the first gate of a run in a repository, `_gate-<run>-<n>` for the n-th after it. */
export function gateDirName(runId: string, n = 0): string {
  checkRun(runId);
  checkCount(n, 0);
  return n === 0 ? `_gate-${runId}` : `_gate-${runId}-${n}`;
}

/** `<worktreeDir>/<id>@<n>`: the worktree of candidate n of a task. */
export function candidateWorktreePath(worktreeDir: string, id: string, n: number): string {
  return `${worktreeDir}/${candidateName(id, n)}`;
}

export function gatePath(worktreeDir: string, runId: string, n = 0): string {
  return `${worktreeDir}/${gateDirName(runId, n)}`;
}

export type WorktreeName =
  | { kind: 'task'; dir: string; id: string; candidate?: number }
  | { kind: 'gate'; dir: string; runId: string; n: number };

/** What the last component of a worktree path names: a task id, or a merge gate (ids never start with `_`). */
export function parseWorktreePath(path: string): WorktreeName | undefined {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, Math.max(slash, 0));
  const name = path.slice(slash + 1);
  const task = parseCandidateName(name);
  if (task) return { kind: 'task', dir, ...task };
  if (!name.startsWith('_gate-')) return undefined;
  const rest = name.slice('_gate-'.length);
  if (isRunId(rest)) return { kind: 'gate', dir, runId: rest, n: 0 };
  const dash = rest.lastIndexOf('-');
  const n = count(rest.slice(dash + 1), 1);
  const runId = rest.slice(0, dash);
  return n !== undefined && isRunId(runId) ? { kind: 'gate', dir, runId, n } : undefined;
}

// ───────────────────────────── per-run refs ─────────────────────────────

/** `refs/fleet/<run>/<kind>/<id>`: a task's base tip, candidate, merge record or conflict tree. */
export function runRef(runId: string, kind: RunRefKind, id: string): string {
  checkRun(runId);
  checkId(id);
  must(RUN_REF_KINDS.has(kind), 'run ref kind', kind);
  return `${FLEET_REF_PREFIX}${runId}/${kind}/${id}`;
}

export function parseRunRef(ref: string): { runId: string; kind: RunRefKind; id: string } | undefined {
  if (!ref.startsWith(FLEET_REF_PREFIX)) return undefined;
  const parts = ref.slice(FLEET_REF_PREFIX.length).split('/');
  if (parts.length !== 3) return undefined;
  const [runId, kind, id] = parts as [string, string, string];
  return isRunId(runId) && RUN_REF_KINDS.has(kind) && isTaskId(id) ? { runId, kind: kind as RunRefKind, id } : undefined;
}

// ───────────────────────────── archives ─────────────────────────────

/** `refs/fleet/archive/<id>/<run>-<attempt>`: the work of one attempt, kept before it was removed. */
export function archiveRef(id: string, runId: string, attempt: number): string {
  checkId(id);
  checkRun(runId);
  checkCount(attempt, 1);
  return `${ARCHIVE_REF_PREFIX}${id}/${runId}-${attempt}`;
}

/**
 * `refs/fleet/archive/<id>/<run>-clean`, then `-clean-2`, `-clean-3`…: work `fleet clean` found
 * without knowing its attempt; `unknown-clean…` when no run owns it.
 */
export function cleanArchiveRef(id: string, runId: string | undefined, n = 1): string {
  checkId(id);
  if (runId !== undefined) checkRun(runId);
  checkCount(n, 1);
  return `${ARCHIVE_REF_PREFIX}${id}/${runId ?? 'unknown'}-clean${n === 1 ? '' : `-${n}`}`;
}

/**
 * `refs/fleet/archive/<id>/<run>-<attempt>@<n>`: the work of candidate n in one attempt, kept
 * when it lost the pick, failed, or its task was merged or discarded.
 */
export function candidateArchiveRef(id: string, runId: string, attempt: number, n: number): string {
  checkCandidate(n);
  return `${archiveRef(id, runId, attempt)}@${n}`;
}

export type ArchiveName = { id: string; runId?: string } & ({ attempt: number; candidate?: number } | { clean: number });

export function parseArchiveRef(ref: string): ArchiveName | undefined {
  if (!ref.startsWith(ARCHIVE_REF_PREFIX)) return undefined;
  const parts = ref.slice(ARCHIVE_REF_PREFIX.length).split('/');
  if (parts.length !== 2 || !isTaskId(parts[0]!)) return undefined;
  const [id, tail] = parts as [string, string];
  const clean = /^(.+)-clean(?:-(\d+))?$/.exec(tail);
  if (clean) {
    const n = clean[2] === undefined ? 1 : count(clean[2], 2);
    if (n === undefined) return undefined;
    if (clean[1] === 'unknown') return { id, clean: n };
    return isRunId(clean[1]!) ? { id, runId: clean[1]!, clean: n } : undefined;
  }
  const dash = tail.lastIndexOf('-');
  const [attemptText = '', candidateText, extra] = tail.slice(dash + 1).split('@');
  const attempt = count(attemptText, 1);
  const runId = tail.slice(0, dash);
  if (attempt === undefined || !isRunId(runId) || extra !== undefined) return undefined;
  if (candidateText === undefined) return { id, runId, attempt };
  const candidate = count(candidateText, 1);
  return candidate !== undefined && candidate <= MAX_CANDIDATES ? { id, runId, attempt, candidate } : undefined;
}

// ───────────────────────────── worktree lock reason ─────────────────────────────

/**
 * `fleet run=<run> task=<key>`: the reason git records for the lock on every task worktree;
 * `task=<key>@<n>` on the worktree of candidate n.
 */
export function lockReason(runId: string, key: string, candidate?: number): string {
  checkRun(runId);
  must(parseTaskKey(key) !== undefined, 'task key', key);
  if (candidate !== undefined) checkCandidate(candidate);
  return `fleet run=${runId} task=${key}${candidate === undefined ? '' : `@${candidate}`}`;
}

export function parseLockReason(reason: string): { runId: string; key: string; project?: string; id: string; candidate?: number } | undefined {
  const m = /^fleet run=([^ ]+) task=([^ @]+)(?:@([^ ]+))?$/.exec(reason);
  if (!m || !isRunId(m[1]!)) return undefined;
  const key = parseTaskKey(m[2]!);
  if (!key) return undefined;
  if (m[3] === undefined) return { runId: m[1]!, key: m[2]!, ...key };
  const n = count(m[3], 1);
  return n !== undefined && n <= MAX_CANDIDATES ? { runId: m[1]!, key: m[2]!, ...key, candidate: n } : undefined;
}
