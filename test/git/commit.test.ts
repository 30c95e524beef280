import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoCommit, currentBranch } from '../../source/git/commit.js';
import { IDENTITY_VARS, restoreEnvAfterEach } from '../helpers/env.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';

const newRepo = tempRepos();

function taskWorktree(repo: TempRepo, id = 'one'): string {
  const path = join(repo.root, 'repo.worktrees', id);
  repo.git('worktree', 'add', '-q', '-b', `fleet/${id}`, path);
  return path;
}

describe('currentBranch', () => {
  it('names the branch, or nothing when HEAD is detached', async () => {
    const repo = newRepo();
    expect(await currentBranch(repo.dir)).toBe('refs/heads/main');
    repo.git('checkout', '-q', '--detach');
    expect(await currentBranch(repo.dir)).toBeUndefined();
  });

  it('reads a linked worktree\'s HEAD file: its branch, or nothing when detached', async () => {
    const repo = newRepo();
    const wt = taskWorktree(repo);
    expect(await currentBranch(wt)).toBe('refs/heads/fleet/one');
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    expect(await currentBranch(wt)).toBeUndefined();
  });
});

describe('autoCommit', () => {
  it('commits modified, deleted and untracked files with the given message and trailer', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n', 'gone.txt': 'g\n' } });
    const wt = taskWorktree(repo);
    writeFileSync(join(wt, 'a.txt'), 'changed\n');
    writeFileSync(join(wt, 'new file.txt'), 'new\n');
    mkdirSync(join(wt, 'src'));
    writeFileSync(join(wt, 'src', 'deep.ts'), 'deep\n');
    repo.git('-C', wt, 'rm', '-q', 'gone.txt');

    const result = await autoCommit(wt, 'Add users table\n\nFleet-Task: one', []);

    expect(result.committed).toBe(true);
    expect(result.tip).toBe(repo.git('rev-parse', 'fleet/one'));
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
    expect(repo.git('log', '-1', '--format=%s', 'fleet/one')).toBe('Add users table');
    expect(repo.git('log', '-1', '--format=%(trailers:key=Fleet-Task,valueonly)', 'fleet/one')).toBe('one');
    expect(repo.git('show', '--format=', '--name-status', 'fleet/one').split('\n').sort()).toEqual(
      ['M\ta.txt', 'A\tnew file.txt', 'A\tsrc/deep.ts', 'D\tgone.txt'].sort(),
    );
  });

  it('does nothing when there is nothing to commit', async () => {
    const repo = newRepo();
    const wt = taskWorktree(repo);
    const before = repo.git('rev-parse', 'fleet/one');
    expect(await autoCommit(wt, 'nothing', [])).toEqual({ committed: false, tip: before });
  });

  it('never commits copied or linked paths, even ones the agent force-added', async () => {
    const repo = newRepo({ files: { '.gitignore': '.env\n' } });
    repo.write('.cache/models/w.bin', 'weights');
    const wt = taskWorktree(repo);
    writeFileSync(join(wt, '.env'), 'SECRET=1\n');
    repo.git('-C', wt, 'add', '-f', '.env');
    mkdirSync(join(wt, '.cache'));
    symlinkSync(join(repo.dir, '.cache/models'), join(wt, '.cache/models'));
    writeFileSync(join(wt, 'weird[1]*.txt'), 'glob chars\n');
    writeFileSync(join(wt, 'work.txt'), 'real work\n');

    const result = await autoCommit(wt, 'work', ['.env', '.cache/models/', 'weird[1]*.txt']);

    expect(result.committed).toBe(true);
    expect(repo.git('show', '--format=', '--name-only', 'fleet/one')).toBe('work.txt');
  });

  it('runs no hooks: a failing pre-commit hook does not stop it', async () => {
    const repo = newRepo();
    const hooks = join(repo.dir, '.git', 'hooks');
    const marker = join(repo.root, 'hook-ran');
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit']) {
      writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
      chmodSync(join(hooks, hook), 0o755);
    }
    const wt = taskWorktree(repo);
    writeFileSync(join(wt, 'x.txt'), 'x\n');

    expect((await autoCommit(wt, 'work', [])).committed).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('does not sign even when the repository config asks for it', async () => {
    const repo = newRepo();
    repo.git('config', 'commit.gpgSign', 'true');
    repo.git('config', 'gpg.program', 'false');
    const wt = taskWorktree(repo);
    writeFileSync(join(wt, 'x.txt'), 'x\n');
    const { tip } = await autoCommit(wt, 'work', []);
    expect(repo.git('cat-file', '-p', tip)).not.toMatch(/gpgsig/);
  });

  describe('on a machine with no git identity', () => {
    const clearIdentity = restoreEnvAfterEach(IDENTITY_VARS);

    it('commits as fleet <fleet@localhost>', async () => {
      clearIdentity();
      const repo = newRepo();
      repo.git('config', '--unset', 'user.name');
      repo.git('config', '--unset', 'user.email');
      repo.git('config', 'user.useConfigOnly', 'true'); // git would refuse to guess one
      const wt = taskWorktree(repo);
      writeFileSync(join(wt, 'x.txt'), 'x\n');
      const { tip } = await autoCommit(wt, 'work', []);
      expect(repo.git('log', '-1', '--format=%an <%ae> / %cn <%ce>', tip)).toBe('fleet <fleet@localhost> / fleet <fleet@localhost>');
    });
  });
});
