// The one place fleet spawns git. Everything else in source/git goes through git()/gitOk(), so
// the clean environment, hooks-off and signing-off configuration and the retry policy for
// transient lock errors apply to every call without each caller remembering them. Calls go
// through a small pool of long-lived shells (git/shell-pool.ts: forking fleet itself is the
// expensive part of a git call), and straight from node only when a shell cannot carry one.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { GIT_OWNER_VAR, NO_DIRECTORY, runInShell } from './shell-pool.js';

export { closeShells, GIT_OWNER_VAR } from './shell-pool.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A git command that exited non-zero (or could not be started at all: exitCode -1). */
export class GitError extends Error {
  override name = 'GitError';
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    const detail = firstErrorLine(stderr);
    super(`git ${args.join(' ')} failed with exit code ${exitCode}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * Variables that redirect git to another repository, index or object store. An inherited
 * GIT_DIR (fleet started from a hook, or an agent's shell) would send commits made in a task
 * worktree onto whatever branch that repository has checked out.
 */
const REDIRECTING_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
] as const;

/** Auto-gc racing concurrent commits in sibling worktrees breaks them (docs/design.md#git-procedures). */
const FORCED_CONFIG: [string, string][] = [
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
];

/**
 * process env minus the variables that redirect git, with gc.auto=0 and maintenance.auto=false
 * appended to any existing GIT_CONFIG_COUNT/KEY_n/VALUE_n entries (later entries win, so ours
 * override the user's). `extra` is applied last, so a caller can set e.g. a temporary
 * GIT_INDEX_FILE on purpose. Used for every process fleet spawns, agents included.
 */
export function cleanEnv(base: NodeJS.ProcessEnv = process.env, extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of REDIRECTING_VARS) delete env[name];
  delete env[GIT_OWNER_VAR]; // only fleet's own git calls carry it (gitEnv), never an agent

  const raw = env.GIT_CONFIG_COUNT;
  // git rejects a malformed count outright; treat it as "no entries" rather than fail every call.
  let count = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : 0;
  for (const [key, value] of FORCED_CONFIG) {
    if (lastConfigValue(env, count, key) === value) continue; // already in force: keep env stable
    env[`GIT_CONFIG_KEY_${count}`] = key;
    env[`GIT_CONFIG_VALUE_${count}`] = value;
    count += 1;
  }
  env.GIT_CONFIG_COUNT = String(count);

  return extra ? { ...env, ...extra } : env;
}

function lastConfigValue(env: NodeJS.ProcessEnv, count: number, key: string): string | undefined {
  for (let i = count - 1; i >= 0; i--) {
    if (env[`GIT_CONFIG_KEY_${i}`]?.toLowerCase() === key.toLowerCase()) return env[`GIT_CONFIG_VALUE_${i}`];
  }
  return undefined;
}

/**
 * Prefixed to every call: fleet's own checkouts, commits and merges never run the user's hooks
 * and never ask for a signature (an unattended gpg prompt would hang the queue).
 */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false'];

/**
 * Lock and temp-file races that clear up by themselves (docs/design.md#git-procedures). A CAS loss
 * ("is at … but expected …") and "already checked out" are real answers, never retried.
 */
const TRANSIENT = [
  /Unable to create '[^']*\.lock': File exists/,
  /could not lock config file/,
  /cannot lock ref '[^']*': Unable to create/,
  /failed to read .*\/commondir/,
  /unable to create temporary file/,
  /gc is already running/,
];
const NOT_TRANSIENT = [/is at [0-9a-f]+ but expected/, /already checked out/];

export function isTransientGitError(stderr: string): boolean {
  return TRANSIENT.some((re) => re.test(stderr)) && !NOT_TRANSIENT.some((re) => re.test(stderr));
}

const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface GitOptions {
  input?: string;
  env?: Record<string, string>;
  /** Keep the final newline: needed where -z output is parsed. */
  raw?: boolean;
}

/** Runs git in `cwd`; resolves with the exit code instead of rejecting on failure. */
export async function git(cwd: string, args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const env = gitEnv(opts.env);
  for (let attempt = 0; ; attempt++) {
    const result = await runOnce(cwd, args, env, opts);
    const delay = RETRY_DELAYS_MS[attempt];
    if (result.exitCode === 0 || delay === undefined || !isTransientGitError(result.stderr)) return result;
    await sleep(delay * (0.5 + Math.random()));
  }
}

/** Like git() but throws GitError on a non-zero exit; returns stdout trimmed. */
export async function gitOk(cwd: string, args: string[], opts: Omit<GitOptions, 'raw'> = {}): Promise<string> {
  const result = await git(cwd, args, opts);
  if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderr);
  return result.stdout.trim();
}

let owner: string | undefined;

/**
 * Marks every later git call (and whatever git starts: filters, helpers) as this run's engine's,
 * `FLEET_GIT_OWNER=<run id>/<pid>`, so the engine that resumes the run after a kill -9 can wait
 * for the calls still in flight (docs/design.md#crash-safety). Undefined stops marking.
 */
export function setGitOwner(runId: string | undefined): void {
  owner = runId === undefined ? undefined : `${runId}/${process.pid}`;
}

/**
 * Messages in English (fleet parses a few of them), whatever the user's locale. LC_ALL would
 * override LC_MESSAGES, so its value moves to LC_CTYPE and keeps the user's character set.
 */
function gitEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env = cleanEnv(process.env, extra);
  if (owner !== undefined) env[GIT_OWNER_VAR] = owner;
  if (env.LC_ALL) {
    env.LC_CTYPE = env.LC_ALL;
    delete env.LC_ALL;
  }
  delete env.LANGUAGE;
  env.LC_MESSAGES = 'C';
  return env;
}

async function runOnce(cwd: string, args: string[], env: NodeJS.ProcessEnv, opts: GitOptions): Promise<GitResult> {
  // A call the pool could not take (nothing ran) goes to execa; one whose shell died midway may
  // have done its work, so it is an error, never run a second time.
  const pooled = await runInShell(cwd, [...SAFE_CONFIG, ...args], env, opts.input).catch((error: Error) => {
    throw new GitError(args, -1, error.message);
  });
  if (pooled) {
    if (pooled.exitCode === NO_DIRECTORY && !existsSync(cwd)) throw new GitError(args, -1, `directory ${cwd} does not exist`);
    if (pooled.exitCode === 127 && /not found/.test(pooled.stderr)) throw new GitError(args, -1, 'git is not installed or not on PATH');
    return { ...pooled, stdout: opts.raw ? pooled.stdout : pooled.stdout.replace(/\r?\n$/, '') };
  }
  const result = await execa('git', [...SAFE_CONFIG, ...args], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: !opts.raw,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (typeof result.exitCode !== 'number') {
    // Not started at all (or killed): there is no exit code to interpret.
    const why = !existsSync(cwd)
      ? `directory ${cwd} does not exist`
      : result.code === 'ENOENT'
        ? 'git is not installed or not on PATH'
        : (result.shortMessage ?? 'git could not be started');
    throw new GitError(args, -1, why);
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The line of git's stderr worth showing a user: the first fatal/error line, else the first line. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
}
