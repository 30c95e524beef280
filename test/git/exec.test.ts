import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autoCommit } from '../../source/git/commit.js';
import { cleanEnv, closeShells, git, GIT_OWNER_VAR, gitOk, GitError, isTransientGitError, setGitOwner } from '../../source/git/exec.js';
import { inputDir } from '../../source/git/shell-pool.js';
import { tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('cleanEnv', () => {
  it('strips every variable that would point git at another repository', () => {
    const env = cleanEnv({
      PATH: '/bin',
      GIT_DIR: '/x/.git',
      GIT_WORK_TREE: '/x',
      GIT_INDEX_FILE: '/x/.git/index',
      GIT_COMMON_DIR: '/x/.git',
      GIT_OBJECT_DIRECTORY: '/x/.git/objects',
      GIT_ALTERNATE_OBJECT_DIRECTORIES: '/y',
      GIT_NAMESPACE: 'ns',
      GIT_PREFIX: 'sub/',
    });
    for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_PREFIX']) {
      expect(env[name]).toBeUndefined();
    }
    expect(env.PATH).toBe('/bin');
  });

  it('appends gc.auto=0 and maintenance.auto=false after the existing GIT_CONFIG_COUNT entries', () => {
    const env = cleanEnv({ GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'core.editor', GIT_CONFIG_VALUE_0: 'vi', GIT_CONFIG_KEY_1: 'gc.auto', GIT_CONFIG_VALUE_1: '50' });
    expect(env.GIT_CONFIG_COUNT).toBe('4');
    expect([env.GIT_CONFIG_KEY_0, env.GIT_CONFIG_VALUE_0]).toEqual(['core.editor', 'vi']);
    expect([env.GIT_CONFIG_KEY_1, env.GIT_CONFIG_VALUE_1]).toEqual(['gc.auto', '50']);
    expect([env.GIT_CONFIG_KEY_2, env.GIT_CONFIG_VALUE_2]).toEqual(['gc.auto', '0']);
    expect([env.GIT_CONFIG_KEY_3, env.GIT_CONFIG_VALUE_3]).toEqual(['maintenance.auto', 'false']);
  });

  it('is stable when applied twice, and lets extra variables through last', () => {
    const once = cleanEnv({});
    expect(cleanEnv(once)).toEqual(once);
    expect(cleanEnv({ GIT_INDEX_FILE: '/a' }, { GIT_INDEX_FILE: '/tmp/snapshot' }).GIT_INDEX_FILE).toBe('/tmp/snapshot');
  });

  it('makes git itself see gc.auto=0 over the repository config', async () => {
    const repo = newRepo();
    repo.git('config', 'gc.auto', '20');
    expect(await gitOk(repo.dir, ['config', 'gc.auto'])).toBe('0');
    expect(await gitOk(repo.dir, ['config', 'maintenance.auto'])).toBe('false');
  });
});

describe('an inherited GIT_DIR', () => {
  const saved = process.env.GIT_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.GIT_DIR;
    else process.env.GIT_DIR = saved;
  });

  it('does not send an auto-commit in a task worktree to another repository', async () => {
    const task = newRepo();
    const other = newRepo();
    const otherHead = other.git('rev-parse', 'HEAD');
    const worktree = join(task.root, 'repo.worktrees', 'one');
    task.git('worktree', 'add', '-q', '-b', 'fleet/one', worktree);
    writeFileSync(join(worktree, 'work.txt'), 'agent output\n');

    process.env.GIT_DIR = join(other.dir, '.git');
    const result = await autoCommit(worktree, 'Task one\n\nFleet-Task: one', []);

    expect(result.committed).toBe(true);
    expect(task.git('rev-parse', 'refs/heads/fleet/one')).toBe(result.tip);
    expect(task.git('show', '--format=', '--name-only', 'fleet/one')).toBe('work.txt');
    expect(other.git('rev-parse', 'HEAD')).toBe(otherHead);
    expect(other.git('status', '--porcelain')).toBe('');
  });
});

describe('git()', () => {
  it('reports a failing command by exit code instead of rejecting', async () => {
    const repo = newRepo();
    const r = await git(repo.dir, ['rev-parse', '--verify', '--quiet', 'no-such-ref']);
    expect(r.exitCode).toBe(1);
    await expect(gitOk(repo.dir, ['rev-parse', '--verify', 'no-such-ref'])).rejects.toBeInstanceOf(GitError);
  });

  it('names a missing working directory instead of blaming git', async () => {
    const error = await gitOk('/nonexistent/fleet/dir', ['status']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/does not exist/);
  });

  it('keeps the trailing NUL of -z output when asked for raw output', async () => {
    const repo = newRepo();
    const r = await git(repo.dir, ['ls-files', '-z'], { raw: true });
    expect(r.stdout).toBe('README.md\0');
  });

  it('passes arguments, stdin and output through byte for byte: quotes, newlines, NULs, no trailing newline', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    const reason = "it's \"quoted\" $HOME `x`\nsecond line";
    const input = 'update refs/fleet/a\0' + head + '\0\0update refs/fleet/b\0' + head + '\0\0';
    await gitOk(repo.dir, ['update-ref', '--create-reflog', '-m', reason, '--stdin', '-z'], { input });
    expect(repo.git('rev-parse', 'refs/fleet/a', 'refs/fleet/b')).toBe(`${head}\n${head}`);
    expect(repo.git('reflog', 'show', '--format=%gs', 'refs/fleet/a')).toBe("it's \"quoted\" $HOME `x` second line");
    const blob = await gitOk(repo.dir, ['hash-object', '-w', '--stdin'], { input: 'no newline at the end' });
    expect((await git(repo.dir, ['cat-file', 'blob', blob])).stdout).toBe('no newline at the end');
    expect((await git(repo.dir, ['cat-file', 'blob', blob], { raw: true })).stdout).toBe('no newline at the end');
  });

  it('returns output that arrives in many pieces whole', async () => {
    const repo = newRepo();
    const big = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a large blob\n`).join('') + 'last line, no newline';
    const blob = await gitOk(repo.dir, ['hash-object', '-w', '--stdin'], { input: big });
    const r = await git(repo.dir, ['cat-file', 'blob', blob], { raw: true });
    expect([r.exitCode, r.stdout.length, r.stdout === big]).toEqual([0, big.length, true]);
  });

  it('gives each call exactly its own environment, whatever the calls before it had', async () => {
    const repo = newRepo();
    const env = () => gitOk(repo.dir, ['var', 'GIT_AUTHOR_IDENT']);
    const name = (ident: string) => ident.replace(/ <.*$/, '');
    expect(name(await gitOk(repo.dir, ['var', 'GIT_AUTHOR_IDENT'], { env: { GIT_AUTHOR_NAME: 'First Caller' } }))).toBe('First Caller');
    expect(name(await env())).not.toBe('First Caller');
    const saved = process.env.GIT_AUTHOR_NAME;
    process.env.GIT_AUTHOR_NAME = 'From Process Env';
    try {
      expect(name(await env())).toBe('From Process Env');
    } finally {
      if (saved === undefined) delete process.env.GIT_AUTHOR_NAME;
      else process.env.GIT_AUTHOR_NAME = saved;
    }
    expect(name(await env())).not.toBe('From Process Env');
  });

  it("marks every git call of a run's engine, and nothing else: not an agent's environment, not an idle shell", async () => {
    const repo = newRepo();
    const gitsEnv = async () => (await gitOk(repo.dir, ['-c', 'alias.env=!env', 'env'])).split('\n');
    const shellEnvs = () =>
      execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((p) => p.trim())
        .map((p) => {
          try {
            return readFileSync(`/proc/${p.trim()}/environ`, 'latin1');
          } catch {
            return ''; // ps itself, gone
          }
        });
    await closeShells();
    setGitOwner('20260101-000000-abcd');
    try {
      expect(await gitsEnv()).toContain(`${GIT_OWNER_VAR}=20260101-000000-abcd/${process.pid}`);
      expect(shellEnvs().length).toBeGreaterThan(0);
      for (const env of shellEnvs()) expect(env).not.toContain(GIT_OWNER_VAR);
      expect(cleanEnv(process.env, { FLEET_TASK_ID: 'x' })[GIT_OWNER_VAR]).toBeUndefined();
      expect(cleanEnv({ [GIT_OWNER_VAR]: 'inherited/1' })[GIT_OWNER_VAR]).toBeUndefined();
    } finally {
      setGitOwner(undefined);
    }
    expect((await gitsEnv()).filter((e) => e.startsWith(`${GIT_OWNER_VAR}=`))).toEqual([]);
    await closeShells();
  });

  it('runs more calls at once than it has shells, each with its own result', async () => {
    const repo = newRepo();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => gitOk(repo.dir, ['hash-object', '--stdin'], { input: `blob ${i}\n` })));
    const expected = Array.from({ length: 20 }, (_, i) => execFileSync('git', ['hash-object', '--stdin'], { cwd: repo.dir, input: `blob ${i}\n`, encoding: 'utf8' }).trim());
    expect(new Set(results).size).toBe(20);
    expect(results).toEqual(expected);
  });

  it('closes its shells on request, leaving no process behind, and starts new ones for later calls', async () => {
    const repo = newRepo();
    const shells = () => execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((c) => c.trim() === 'sh');
    await Promise.all([1, 2, 3].map(() => gitOk(repo.dir, ['rev-parse', 'HEAD'])));
    expect(shells().length).toBeGreaterThan(0);
    await closeShells();
    expect(shells()).toEqual([]);
    expect(await gitOk(repo.dir, ['rev-parse', 'HEAD'])).toBe(repo.git('rev-parse', 'HEAD'));
    await closeShells();
  });

  it('removes the stdin files of a fleet killed mid-call, once, when the next one starts git', () => {
    const repo = newRepo();
    const dead = spawnSync('true').pid;
    const left = join(inputDir, `fleet-git-${dead}-1.in`);
    const mine = join(inputDir, `fleet-git-${process.pid}-999999.in`);
    writeFileSync(left, 'update refs/fleet/x');
    writeFileSync(mine, 'still in use');
    try {
      const exec = new URL('../../dist/git/exec.js', import.meta.url).href;
      execFileSync('node', ['--input-type=module', '-e', `const { git } = await import(${JSON.stringify(exec)}); await git(process.cwd(), ['status']);`], { cwd: repo.dir });
      expect(existsSync(left)).toBe(false);
      expect(existsSync(mine)).toBe(true);
    } finally {
      rmSync(left, { force: true });
      rmSync(mine, { force: true });
    }
  });

  it('says so when git is not on PATH', async () => {
    const repo = newRepo();
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await gitOk(repo.dir, ['status']).catch((e: unknown) => e);
      expect((error as GitError).message).toMatch(/not installed or not on PATH/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('retries a commit that meets a stale index.lock which then goes away', async () => {
    const repo = newRepo();
    const lock = join(repo.dir, '.git', 'index.lock');
    writeFileSync(lock, '');
    repo.write('a.txt', 'a\n');
    setTimeout(() => rmSync(lock, { force: true }), 120);
    await gitOk(repo.dir, ['add', 'a.txt']);
    expect(existsSync(lock)).toBe(false);
    expect(repo.git('diff', '--cached', '--name-only')).toBe('a.txt');
  });

  it('treats lock contention as transient but never a lost compare-and-swap', () => {
    expect(isTransientGitError("fatal: Unable to create '/r/.git/index.lock': File exists.")).toBe(true);
    expect(isTransientGitError('error: could not lock config file .git/config: File exists')).toBe(true);
    expect(isTransientGitError('fatal: failed to read .git/worktrees/x/commondir: Success')).toBe(true);
    expect(
      isTransientGitError("fatal: update_ref failed for ref 'refs/heads/main': cannot lock ref 'refs/heads/main': is at 87d7ee6 but expected dd26ff0"),
    ).toBe(false);
    expect(isTransientGitError("fatal: 'main' is already checked out at '/x'")).toBe(false);
  });
});
