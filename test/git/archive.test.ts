import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveAndRemove, removeTaskWorktree, snapshotWorktree } from '../../source/git/archive.js';
import { createRef } from '../../source/git/refs.js';
import { addWorktree, listWorktrees } from '../../source/git/worktree.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';

const newRepo = tempRepos();

async function taskWorktree(repo: TempRepo, id = 'a'): Promise<string> {
  await createRef(repo.dir, `refs/heads/fleet/${id}`, repo.git('rev-parse', 'HEAD'));
  const path = join(repo.root, 'repo.worktrees', id);
  await addWorktree(repo.dir, path, `fleet/${id}`, `fleet task=${id}`);
  return path;
}

/** Modified tracked file, staged new file, untracked file, ignored dir: a typical agent's leftovers. */
function makeMess(wt: string): void {
  writeFileSync(join(wt, 'tracked.txt'), 'modified by agent\n');
  writeFileSync(join(wt, 'staged.txt'), 'staged\n');
  writeFileSync(join(wt, 'untracked.txt'), 'untracked\n');
  rmSync(join(wt, 'doomed.txt'));
  mkdirSync(join(wt, 'node_modules'));
  writeFileSync(join(wt, 'node_modules', 'dep.js'), 'installed\n');
  writeFileSync(join(wt, 'ignored.log'), 'build noise\n');
}

const files = { '.gitignore': '*.log\nnode_modules/\n', 'tracked.txt': 'original\n', 'doomed.txt': 'd\n' };

describe('snapshotWorktree', () => {
  it('captures modified and untracked files, skips ignored ones, and leaves git status as it was', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    makeMess(wt);
    repo.git('-C', wt, 'add', 'staged.txt');
    const statusBefore = repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all');
    const head = repo.git('-C', wt, 'rev-parse', 'HEAD');

    const snap = await snapshotWorktree(wt, 'fleet: snapshot of a');

    expect(repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all')).toBe(statusBefore);
    expect(repo.git('log', '-1', '--format=%P', snap)).toBe(head);
    expect(repo.git('show', `${snap}:tracked.txt`)).toBe('modified by agent');
    expect(repo.git('show', `${snap}:staged.txt`)).toBe('staged');
    expect(repo.git('show', `${snap}:untracked.txt`)).toBe('untracked');
    const tree = repo.git('ls-tree', '-r', '--name-only', snap).split('\n');
    expect(tree).not.toContain('ignored.log');
    expect(tree).not.toContain('node_modules/dep.js');
    expect(tree).not.toContain('doomed.txt');
  });

  it('is HEAD itself when the worktree is clean', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    expect(await snapshotWorktree(wt, 'x', { branch: 'fleet/a' })).toBe(repo.git('rev-parse', 'fleet/a'));
  });

  it('keeps the branch tip as a second parent when the agent left its branch', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    const tip = repo.git('rev-parse', 'fleet/a');
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    writeFileSync(join(wt, 'elsewhere.txt'), 'x\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-q', '-m', 'detached work');
    const detached = repo.git('-C', wt, 'rev-parse', 'HEAD');

    const snap = await snapshotWorktree(wt, 'x', { branch: 'fleet/a' });

    expect(repo.git('log', '-1', '--format=%P', snap)).toBe(`${detached} ${tip}`);
  });
});

/** An embedded repository without a commit, with another inside it: `git add -A` refuses both. */
function nestedRepos(repo: TempRepo, wt: string): void {
  mkdirSync(join(wt, 'sub', 'deeper'), { recursive: true });
  repo.git('-C', join(wt, 'sub'), 'init', '-q');
  writeFileSync(join(wt, 'sub', 'n.txt'), 'nested\n');
  writeFileSync(join(wt, 'sub', '.gitignore'), 'skip.tmp\n');
  writeFileSync(join(wt, 'sub', 'skip.tmp'), 'ignored in sub\n');
  repo.git('-C', join(wt, 'sub', 'deeper'), 'init', '-q');
  writeFileSync(join(wt, 'sub', 'deeper', 'd.txt'), 'deeper\n');
  writeFileSync(join(wt, 'top.txt'), 'top\n');
}

describe('snapshotWorktree with embedded repositories', () => {
  it('keeps the files of an embedded repository without a commit as plain files, and leaves the worktree as it was', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    nestedRepos(repo, wt);
    const statusBefore = repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all');

    const snap = await snapshotWorktree(wt, 'fleet: snapshot of a');

    expect(repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all')).toBe(statusBefore);
    expect(repo.git('show', `${snap}:top.txt`)).toBe('top');
    expect(repo.git('show', `${snap}:sub/n.txt`)).toBe('nested');
    expect(repo.git('show', `${snap}:sub/deeper/d.txt`)).toBe('deeper');
    const tree = repo.git('ls-tree', '-r', '--name-only', snap).split('\n');
    expect(tree).not.toContain('sub/skip.tmp');
    expect(tree.filter((p) => p.includes('.git/'))).toEqual([]);
  });

  it('keeps the files of an embedded repository with a commit as plain files too, and a declared submodule as a gitlink', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    const commitIn = (dir: string, file: string) => {
      mkdirSync(join(wt, dir), { recursive: true });
      repo.git('-C', join(wt, dir), 'init', '-q');
      writeFileSync(join(wt, dir, file), `${file} of ${dir}\n`);
      repo.git('-C', join(wt, dir), 'add', file);
      repo.git('-C', join(wt, dir), 'commit', '-qm', `in ${dir}`);
      return repo.git('-C', join(wt, dir), 'rev-parse', 'HEAD');
    };
    commitIn('made', 'm.txt');
    const declared = commitIn('libs/a', 'a.txt');
    writeFileSync(join(wt, '.gitmodules'), '[submodule "a"]\n\tpath = libs/a\n\turl = ../a\n');

    const snap = await snapshotWorktree(wt, 'fleet: snapshot of a');

    expect(repo.git('show', `${snap}:made/m.txt`)).toBe('m.txt of made');
    expect(repo.git('ls-tree', snap, 'made')).toMatch(/^040000 tree /);
    expect(repo.git('ls-tree', snap, 'libs/a')).toBe(`160000 commit ${declared}\tlibs/a`);
  });

  it('lets archiveAndRemove archive and remove such a worktree', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    nestedRepos(repo, wt);
    const ref = await archiveAndRemove(repo.dir, { worktree: wt, branch: 'fleet/a', ref: 'refs/fleet/archive/a/x-1', message: 'x' });
    expect(ref).toBe('refs/fleet/archive/a/x-1');
    expect(repo.git('show', `${ref}:sub/deeper/d.txt`)).toBe('deeper');
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('branch', '--list', 'fleet/a')).toBe('');
  });
});

describe('archiveAndRemove', () => {
  it('leaves an archive ref and no worktree or branch, and the archive restores the files', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    makeMess(wt);
    const ref = 'refs/fleet/archive/a/r1-1';

    expect(await archiveAndRemove(repo.dir, { worktree: wt, branch: 'fleet/a', ref, message: 'fleet: archive of a attempt 1' })).toBe(ref);

    expect(existsSync(wt)).toBe(false);
    expect((await listWorktrees(repo.dir)).map((w) => w.path)).toEqual([repo.dir]);
    expect(repo.git('branch', '--list', 'fleet/a')).toBe('');
    expect(repo.git('reflog', 'show', '--format=%gs', ref)).toBe('fleet: archive of a attempt 1');

    const restored = join(repo.root, 'restored');
    repo.git('worktree', 'add', '-q', '--detach', restored, ref);
    expect(readFileSync(join(restored, 'tracked.txt'), 'utf8')).toBe('modified by agent\n');
    expect(readFileSync(join(restored, 'untracked.txt'), 'utf8')).toBe('untracked\n');
    expect(readFileSync(join(restored, 'staged.txt'), 'utf8')).toBe('staged\n');
    expect(existsSync(join(restored, 'doomed.txt'))).toBe(false);
  });

  it('archives the branch tip when the worktree directory is already gone', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    writeFileSync(join(wt, 'work.txt'), 'committed work\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-q', '-m', 'work');
    const tip = repo.git('rev-parse', 'fleet/a');
    rmSync(wt, { recursive: true, force: true });

    const ref = await archiveAndRemove(repo.dir, { worktree: wt, branch: 'fleet/a', ref: 'refs/fleet/archive/a/r1-1', message: 'm' });

    expect(ref).toBe('refs/fleet/archive/a/r1-1');
    expect(repo.git('rev-parse', 'refs/fleet/archive/a/r1-1')).toBe(tip);
    expect(repo.git('branch', '--list', 'fleet/a')).toBe('');
    expect(await listWorktrees(repo.dir)).toHaveLength(1);
  });

  it('returns null when there is neither a worktree nor a branch', async () => {
    const repo = newRepo();
    const ref = await archiveAndRemove(repo.dir, { worktree: join(repo.root, 'nothing'), branch: 'fleet/none', ref: 'refs/fleet/archive/none/r-1', message: 'm' });
    expect(ref).toBeNull();
    expect(repo.git('for-each-ref', 'refs/fleet/')).toBe('');
  });

  it('finishes an archive that was interrupted after its ref was written', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    makeMess(wt);
    const ref = 'refs/fleet/archive/a/r1-1';
    await createRef(repo.dir, ref, await snapshotWorktree(wt, 'first try', { branch: 'fleet/a' }));

    expect(await archiveAndRemove(repo.dir, { worktree: wt, branch: 'fleet/a', ref, message: 'second try' })).toBe(ref);
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('show', `${ref}:untracked.txt`)).toBe('untracked');
  });

  it('refuses to reuse an archive ref that holds different work, and removes nothing', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    makeMess(wt);
    const ref = 'refs/fleet/archive/a/r1-1';
    repo.git('update-ref', ref, repo.git('rev-parse', 'HEAD'));
    await expect(archiveAndRemove(repo.dir, { worktree: wt, branch: 'fleet/a', ref, message: 'm' })).rejects.toThrow(/already exists/);
    expect(readFileSync(join(wt, 'untracked.txt'), 'utf8')).toBe('untracked\n');
    expect(repo.git('branch', '--list', 'fleet/a')).not.toBe('');
  });
});

describe('removeTaskWorktree', () => {
  it('removes a clean worktree at its branch tip without an archive', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    const result = await removeTaskWorktree(repo.dir, { worktree: wt, branch: 'fleet/a', archiveRef: 'refs/fleet/archive/a/r-1', message: 'm' });
    expect(result).toBeNull();
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('branch', '--list', 'fleet/a')).toBe('');
    expect(repo.git('for-each-ref', 'refs/fleet/')).toBe('');
  });

  it('archives leftovers before removing a worktree with uncommitted files', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    writeFileSync(join(wt, 'late.txt'), 'written after the check\n');
    const result = await removeTaskWorktree(repo.dir, { worktree: wt, branch: 'fleet/a', archiveRef: 'refs/fleet/archive/a/r-1', message: 'm' });
    expect(result).toBe('refs/fleet/archive/a/r-1');
    expect(repo.git('show', 'refs/fleet/archive/a/r-1:late.txt')).toBe('written after the check');
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('branch', '--list', 'fleet/a')).toBe('');
  });

  it('archives when HEAD has left the branch tip', async () => {
    const repo = newRepo({ files });
    const wt = await taskWorktree(repo);
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    writeFileSync(join(wt, 'x.txt'), 'x\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-q', '-m', 'off-branch');
    const off = repo.git('-C', wt, 'rev-parse', 'HEAD');
    const result = await removeTaskWorktree(repo.dir, { worktree: wt, branch: 'fleet/a', archiveRef: 'refs/fleet/archive/a/r-1', message: 'm' });
    expect(result).toBe('refs/fleet/archive/a/r-1');
    expect(repo.git('merge-base', '--is-ancestor', off, 'refs/fleet/archive/a/r-1')).toBe('');
  });
});
