// Throwaway git repositories for integration tests. Layout: <root>/repo is the repository and
// worktrees go beside it under <root> (e.g. <root>/repo.worktrees/<id>), so cleanup() removes all.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

export interface TempRepo {
  /** Repository top level (realpath). */
  dir: string;
  /** Temp parent dir; worktrees go in here too. */
  root: string;
  /** Runs git in `dir`, synchronously; throws on failure; returns trimmed stdout. */
  git(...args: string[]): string;
  write(rel: string, content: string): void;
  read(rel: string): string;
  /** `add -A` + commit; returns the new HEAD. */
  commitAll(message: string): string;
  cleanup(): void;
}

/** Env for helper git calls: no inherited repository redirection, no auto-gc. */
function helperEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY']) delete env[k];
  return env;
}

export function runGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'gc.auto=0', ...args], {
    cwd,
    env: helperEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function createTempRepo(opts: { files?: Record<string, string>; branch?: string } = {}): TempRepo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-repo-')));
  const dir = join(root, 'repo');
  mkdirSync(dir);
  const branch = opts.branch ?? 'main';
  const git = (...args: string[]) => runGit(dir, ...args);
  const write = (rel: string, content: string) => {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  };

  git('init', '--quiet', '-b', branch);
  git('config', 'user.name', 'Fleet Test');
  git('config', 'user.email', 'test@fleet.invalid');
  git('config', 'commit.gpgSign', 'false');
  for (const [rel, content] of Object.entries(opts.files ?? { 'README.md': '# test repo\n' })) write(rel, content);

  const commitAll = (message: string) => {
    git('add', '-A');
    git('commit', '--quiet', '--allow-empty', '--no-verify', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  commitAll('initial');

  return {
    dir,
    root,
    git,
    write,
    read: (rel) => readFileSync(join(dir, rel), 'utf8'),
    commitAll,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * A createTempRepo that cleans up after each test of the calling file. Call once at the top of a
 * test file (it registers an afterEach hook).
 */
export function tempRepos(): (opts?: Parameters<typeof createTempRepo>[0]) => TempRepo {
  const made: TempRepo[] = [];
  afterEach(() => {
    for (const repo of made.splice(0)) repo.cleanup();
  });
  return (opts) => {
    const repo = createTempRepo(opts);
    made.push(repo);
    return repo;
  };
}
