import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  branchExists,
  changedPaths,
  gitVersion,
  identity,
  isAncestor,
  isTopLevel,
  isWorktreeClean,
  looseRef,
  NotARepositoryError,
  repoInfo,
  revParse,
  treeOf,
} from '../../source/git/repo.js';
import { IDENTITY_VARS, restoreEnvAfterEach } from '../helpers/env.js';
import { tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('repository facts', () => {
  it('finds the top level and the common dir from a subdirectory and from a linked worktree', async () => {
    const repo = newRepo({ files: { 'src/a.ts': 'a\n' } });
    const info = await repoInfo(join(repo.dir, 'src'));
    expect(info).toEqual({ topLevel: repo.dir, commonDir: join(repo.dir, '.git') });

    const wt = join(repo.root, 'wt');
    repo.git('worktree', 'add', '-q', '--detach', wt);
    expect(await repoInfo(wt)).toEqual({ topLevel: wt, commonDir: join(repo.dir, '.git') });
  });

  it('resolves symlinked paths to real paths', async () => {
    const repo = newRepo();
    const link = join(repo.root, 'link');
    symlinkSync(repo.dir, link);
    expect((await repoInfo(link)).topLevel).toBe(repo.dir);
    expect(await isTopLevel(link)).toBe(true);
  });

  it('says clearly when a path is not a repository', async () => {
    const repo = newRepo();
    const outside = join(repo.root, 'plain');
    mkdirSync(outside);
    await expect(repoInfo(outside)).rejects.toBeInstanceOf(NotARepositoryError);
    await expect(repoInfo(join(repo.root, 'missing'))).rejects.toThrow(/not inside a git working tree/);
    expect(await isTopLevel(outside)).toBe(false);
  });

  it('knows a subdirectory is not the top level', async () => {
    const repo = newRepo({ files: { 'src/a.ts': 'a\n' } });
    expect(await isTopLevel(repo.dir)).toBe(true);
    expect(await isTopLevel(join(repo.dir, 'src'))).toBe(false);
  });

  it('resolves commits, ancestry, trees and branches', async () => {
    const repo = newRepo();
    const first = repo.git('rev-parse', 'HEAD');
    repo.write('b.txt', 'b\n');
    const second = repo.commitAll('second');
    expect(await revParse(repo.dir, 'main')).toBe(second);
    expect(await revParse(repo.dir, 'main~1')).toBe(first);
    expect(await revParse(repo.dir, 'nope')).toBeUndefined();
    expect(await revParse(repo.dir, '--all')).toBeUndefined();
    expect(await isAncestor(repo.dir, first, second)).toBe(true);
    expect(await isAncestor(repo.dir, second, first)).toBe(false);
    await expect(isAncestor(repo.dir, 'nope', second)).rejects.toThrow();
    expect(await treeOf(repo.dir, second)).toBe(repo.git('rev-parse', 'HEAD^{tree}'));
    expect(await branchExists(repo.dir, 'main')).toBe(true);
    expect(await branchExists(repo.dir, 'fleet/none')).toBe(false);
  });

  it('reads a loose branch ref from its file, and leaves packed refs and odd names to git', async () => {
    const repo = newRepo();
    const first = repo.git('rev-parse', 'HEAD');
    repo.git('branch', 'fleet/a');
    expect(await looseRef(repo.dir, 'refs/heads/fleet/a')).toBe(first);
    repo.git('pack-refs', '--all');
    expect(await looseRef(repo.dir, 'refs/heads/fleet/a')).toBeUndefined();
    expect(await revParse(repo.dir, 'refs/heads/fleet/a')).toBe(first); // packed: git answers

    repo.write('x.txt', 'x\n');
    const second = repo.commitAll('second');
    repo.git('update-ref', 'refs/heads/fleet/a', second);
    expect(await revParse(repo.dir, 'refs/heads/fleet/a')).toBe(second); // loose again: it wins over packed-refs
    expect(await looseRef(repo.dir, 'refs/heads/../../HEAD')).toBeUndefined();
    expect(await looseRef(repo.dir, 'HEAD')).toBeUndefined();
    expect(await revParse(repo.dir, 'refs/heads/missing')).toBeUndefined();
  });

  it('lists changed paths, counting a rename as both names', async () => {
    const repo = newRepo({ files: { 'old name.txt': 'same content here\n', 'keep.txt': 'k\n' } });
    const from = repo.git('rev-parse', 'HEAD');
    repo.git('mv', 'old name.txt', 'new name.txt');
    repo.write('keep.txt', 'changed\n');
    const to = repo.commitAll('rename');
    expect((await changedPaths(repo.dir, from, to)).sort()).toEqual(['keep.txt', 'new name.txt', 'old name.txt']);
  });

  it('parses the git version', async () => {
    const v = await gitVersion();
    expect(v.major).toBeGreaterThanOrEqual(2);
    expect(Number.isInteger(v.minor) && Number.isInteger(v.patch)).toBe(true);
  });
});

describe('isWorktreeClean', () => {
  it('counts modified and untracked files but not ignored ones', async () => {
    const repo = newRepo({ files: { '.gitignore': 'node_modules/\n', 'a.txt': 'a\n' } });
    expect(await isWorktreeClean(repo.dir)).toBe(true);
    repo.write('node_modules/x.js', 'x');
    expect(await isWorktreeClean(repo.dir)).toBe(true);
    repo.write('new.txt', 'n');
    expect(await isWorktreeClean(repo.dir)).toBe(false);
  });

  it('sees untracked files even when the user hides them from git status', async () => {
    const repo = newRepo();
    repo.git('config', 'status.showUntrackedFiles', 'no');
    repo.write('deep/new.txt', 'n');
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(await isWorktreeClean(repo.dir)).toBe(false);
  });
});

describe('identity', () => {
  const clearEnv = restoreEnvAfterEach(IDENTITY_VARS);

  it('uses the user name and email from git config', async () => {
    clearEnv();
    const repo = newRepo();
    repo.git('config', 'user.name', 'Ada Lovelace');
    repo.git('config', 'user.email', 'ada@example.org');
    expect(await identity(repo.dir)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.org' });
  });

  it('prefers GIT_AUTHOR_* from the environment', async () => {
    clearEnv();
    process.env.GIT_AUTHOR_NAME = 'Env Author';
    process.env.GIT_AUTHOR_EMAIL = 'env@example.org';
    const repo = newRepo();
    expect(await identity(repo.dir)).toEqual({ name: 'Env Author', email: 'env@example.org' });
  });

  it('falls back to fleet <fleet@localhost> on a machine with no identity', async () => {
    clearEnv();
    const repo = newRepo();
    repo.git('config', '--unset', 'user.name');
    repo.git('config', '--unset', 'user.email');
    expect(await identity(repo.dir)).toEqual({ name: 'fleet', email: 'fleet@localhost' });
  });
});
