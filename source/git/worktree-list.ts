// Reading `git worktree list --porcelain -z`, and answering "where is this branch in use?" —
// the check that stands between fleet and moving a branch someone has checked out.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { git, GitError } from './exec.js';
import { repoInfo } from './repo.js';

export interface WorktreeRecord {
  path: string;
  head?: string;
  /** Full ref, e.g. refs/heads/main. */
  branch?: string;
  detached: boolean;
  bare: boolean;
  /** Lock reason; '' when locked without a reason; undefined when not locked. */
  locked?: string;
  /** Why git considers it prunable (its directory is gone); undefined otherwise. */
  prunable?: string;
}

/**
 * Parses the -z porcelain format (git-worktree(1), "Porcelain Format"): each attribute ends in NUL, each record in
 * an extra NUL; the label is the text before the first space. Unknown labels are ignored, as the
 * format promises to only ever add attributes.
 */
export function parseWorktreeList(raw: string): WorktreeRecord[] {
  const records: WorktreeRecord[] = [];
  let current: WorktreeRecord | undefined;
  for (const line of raw.split('\0')) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const space = line.indexOf(' ');
    const label = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? undefined : line.slice(space + 1);
    if (label === 'worktree') {
      current = { path: value ?? '', detached: false, bare: false };
      records.push(current);
      continue;
    }
    if (!current) continue;
    switch (label) {
      case 'HEAD':
        current.head = value;
        break;
      case 'branch':
        current.branch = value;
        break;
      case 'detached':
        current.detached = true;
        break;
      case 'bare':
        current.bare = true;
        break;
      case 'locked':
        current.locked = value ?? '';
        break;
      case 'prunable':
        current.prunable = value ?? '';
        break;
    }
  }
  return records;
}

export async function listWorktrees(repo: string): Promise<WorktreeRecord[]> {
  const args = ['worktree', 'list', '--porcelain', '-z'];
  const r = await git(repo, args, { raw: true });
  if (r.exitCode !== 0) throw new GitError(args, r.exitCode, r.stderr);
  return parseWorktreeList(r.stdout);
}

export interface BranchUse {
  /** Worktrees that have the branch checked out. */
  checkedOut: string[];
  /** Worktrees in the middle of rebasing the branch (HEAD detached, branch still theirs). */
  rebasing: string[];
}

/**
 * Where a branch (full ref) is in use: checked out in a worktree, or being rebased in one —
 * git's own `branch -f` refuses both, but plumbing such as update-ref checks neither. Read from
 * each worktree's HEAD file, as `git worktree list` itself does, without a git process (landing
 * asks this for every merge); a HEAD that is not a plain file falls back to git's listing.
 */
export async function branchUse(repo: string, ref: string): Promise<BranchUse> {
  const main = await mainWorktree(repo);
  const dirs = await worktreeGitDirs(repo, [main]);
  const checkedOut: string[] = [];
  for (const [i, { gitDir, worktree }] of dirs.entries()) {
    if (i === 0 && main.bare) continue; // dirs[0] is the main worktree
    const head = await readHeadFile(gitDir);
    if (!head) return branchUseFromGit(repo, ref, dirs);
    if (head.branch === ref) checkedOut.push(worktree);
  }
  return { checkedOut, rebasing: await rebasingIn(dirs, ref) };
}

async function branchUseFromGit(repo: string, ref: string, dirs: { gitDir: string; worktree: string }[]): Promise<BranchUse> {
  const list = await listWorktrees(repo);
  const checkedOut = list.filter((w) => !w.bare && w.branch === ref).map((w) => w.path);
  return { checkedOut, rebasing: await rebasingIn(dirs, ref) };
}

async function rebasingIn(dirs: { gitDir: string; worktree: string }[], ref: string): Promise<string[]> {
  const rebasing: string[] = [];
  for (const { gitDir, worktree } of dirs) {
    for (const state of ['rebase-merge', 'rebase-apply']) {
      const headName = await readFile(join(gitDir, state, 'head-name'), 'utf8').catch(() => undefined);
      if (headName?.trim() === ref && !rebasing.includes(worktree)) rebasing.push(worktree);
    }
  }
  return rebasing;
}

/** The main worktree's path and bareness, asked of git once per repository: neither changes under a run. */
async function mainWorktree(repo: string): Promise<WorktreeRecord> {
  const { commonDir } = await repoInfo(repo);
  let main = mainWorktrees.get(commonDir);
  if (!main) {
    main = (await listWorktrees(repo))[0];
    if (!main) throw new GitError(['worktree', 'list'], 0, 'git listed no main worktree');
    mainWorktrees.set(commonDir, main);
  }
  return main;
}

const mainWorktrees = new Map<string, WorktreeRecord>();

/** Every worktree's private git dir with the worktree path it belongs to. */
export async function worktreeGitDirs(repo: string, list?: WorktreeRecord[]): Promise<{ gitDir: string; worktree: string }[]> {
  const { commonDir } = await repoInfo(repo);
  const main = (list ?? (await listWorktrees(repo)))[0];
  const dirs = [{ gitDir: commonDir, worktree: main?.path ?? dirname(commonDir) }];
  const adminRoot = join(commonDir, 'worktrees');
  const ids = await readdir(adminRoot).catch(() => [] as string[]);
  for (const id of ids) {
    const gitDir = join(adminRoot, id);
    // `gitdir` holds the absolute path of `<worktree>/.git` (git 2.39 writes it absolute).
    const pointer = await readFile(join(gitDir, 'gitdir'), 'utf8').catch(() => undefined);
    if (pointer === undefined) continue;
    dirs.push({ gitDir, worktree: dirname(resolve(gitDir, pointer.trim())) });
  }
  return dirs;
}

/**
 * A linked worktree's private git dir, read from its `.git` file without running git (the commit
 * phase asks for it on every task); undefined for anything else (a main checkout's `.git` dir).
 */
export async function linkedGitDirOf(worktree: string): Promise<string | undefined> {
  const pointer = await readFile(join(worktree, '.git'), 'utf8').catch(() => undefined);
  const m = pointer === undefined ? null : /^gitdir: (.+)$/m.exec(pointer);
  return m ? resolve(worktree, m[1]!.trim()) : undefined;
}

/**
 * What a worktree's HEAD file says, read without a git process: the full ref it is on, or no
 * branch when it holds a commit id (detached). Undefined when it cannot be read or says anything
 * else (a symlink to elsewhere, a half-written file): then only git can answer.
 */
export async function readHeadFile(gitDir: string): Promise<{ branch: string | undefined } | undefined> {
  const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => undefined);
  const m = head === undefined ? null : /^(?:ref: (refs\/\S+)|[0-9a-f]{40,64})\s*$/.exec(head);
  return m ? { branch: m[1] } : undefined;
}

/** The private git dir of the worktree at `path`: its `.git` file or directory when it has one, else git's answer. */
export async function gitDirOf(worktree: string): Promise<string> {
  const linked = await linkedGitDirOf(worktree);
  if (linked !== undefined) return linked;
  const dotGit = join(worktree, '.git');
  if ((await stat(dotGit).catch(() => undefined))?.isDirectory() && existsSync(join(dotGit, 'HEAD'))) return dotGit;
  const args = ['rev-parse', '--path-format=absolute', '--git-dir'];
  const r = await git(worktree, args);
  if (r.exitCode !== 0) throw new GitError(args, r.exitCode, r.stderr);
  return r.stdout.trim();
}
