import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRef } from '../../source/git/refs.js';
import {
  addWorktree,
  listWorktrees,
  parseWorktreeList,
  prepareGateWorktree,
  pruneWorktrees,
  removeWorktree,
  withWorktreeAdminLock,
} from '../../source/git/worktree.js';
import { tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('parseWorktreeList', () => {
  it('reads every attribute of the -z porcelain format', () => {
    const raw =
      'worktree /r\0HEAD aaa\0branch refs/heads/main\0\0' +
      'worktree /r.worktrees/a\0HEAD bbb\0branch refs/heads/fleet/a\0locked fleet run=1 task=a\0\0' +
      'worktree /gate\0HEAD ccc\0detached\0locked\0\0' +
      'worktree /gone\0HEAD ddd\0branch refs/heads/fleet/b\0prunable gitdir file points to non-existent location\0\0' +
      'worktree /bare\0bare\0\0';
    expect(parseWorktreeList(raw)).toEqual([
      { path: '/r', head: 'aaa', branch: 'refs/heads/main', detached: false, bare: false },
      { path: '/r.worktrees/a', head: 'bbb', branch: 'refs/heads/fleet/a', detached: false, bare: false, locked: 'fleet run=1 task=a' },
      { path: '/gate', head: 'ccc', detached: true, bare: false, locked: '' },
      { path: '/gone', head: 'ddd', branch: 'refs/heads/fleet/b', detached: false, bare: false, prunable: 'gitdir file points to non-existent location' },
      { path: '/bare', detached: false, bare: true },
    ]);
  });

  it('keeps a lock reason with newlines and spaces intact', () => {
    const [record] = parseWorktreeList('worktree /a b\0HEAD x\0detached\0locked line one\nline two\0\0');
    expect(record).toMatchObject({ path: '/a b', locked: 'line one\nline two' });
  });
});

describe('addWorktree', () => {
  it('adds a locked, populated worktree on an existing branch', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n', 'src/b.ts': 'b\n' } });
    const head = repo.git('rev-parse', 'HEAD');
    await createRef(repo.dir, 'refs/heads/fleet/one', head);
    const path = join(repo.root, 'repo.worktrees', 'one');

    await addWorktree(repo.dir, path, 'fleet/one', 'fleet run=r1 task=one');

    expect(readFileSync(join(path, 'src/b.ts'), 'utf8')).toBe('b\n');
    expect(repo.git('-C', path, 'status', '--porcelain')).toBe('');
    const record = (await listWorktrees(repo.dir)).find((w) => w.path === path);
    expect(record).toMatchObject({ branch: 'refs/heads/fleet/one', head, locked: 'fleet run=r1 task=one' });
  });

  it('eight concurrent adds on one repository all succeed, each on its own branch', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    const ids = Array.from({ length: 8 }, (_, i) => `t${i}`);
    for (const id of ids) await createRef(repo.dir, `refs/heads/fleet/${id}`, head);

    await Promise.all(ids.map((id) => addWorktree(repo.dir, join(repo.root, 'repo.worktrees', id), `fleet/${id}`, `task=${id}`)));

    const list = await listWorktrees(repo.dir);
    for (const id of ids) {
      const holders = list.filter((w) => w.branch === `refs/heads/fleet/${id}`);
      expect(holders.map((w) => w.path)).toEqual([join(repo.root, 'repo.worktrees', id)]);
      expect(existsSync(join(repo.root, 'repo.worktrees', id, 'README.md'))).toBe(true);
    }
    expect(list).toHaveLength(9);
  });

  it('refuses a branch that is already checked out, and a branch that does not exist', async () => {
    const repo = newRepo();
    await expect(addWorktree(repo.dir, join(repo.root, 'x'), 'main', 'r')).rejects.toThrow(/already checked out/);
    await expect(addWorktree(repo.dir, join(repo.root, 'y'), 'fleet/none', 'r')).rejects.toThrow(/does not exist/);
    expect(await listWorktrees(repo.dir)).toHaveLength(1);
  });

  it('waits for another fleet process holding the worktree lock, and breaks a dead one', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    await createRef(repo.dir, 'refs/heads/fleet/a', head);
    await createRef(repo.dir, 'refs/heads/fleet/b', head);
    const lockFile = join(repo.dir, '.git', 'fleet', 'worktree.lock');
    mkdirSync(join(repo.dir, '.git', 'fleet'), { recursive: true });

    // A live holder: a real process whose pid we write into the lock, then release.
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    writeFileSync(lockFile, `${holder.pid}\n`);
    const adding = addWorktree(repo.dir, join(repo.root, 'a'), 'fleet/a', 'r');
    let done = false;
    void adding.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    rmSync(lockFile);
    await adding;
    holder.kill();

    // A dead holder: the lock is stale and is taken over.
    const dead = spawn('true', { stdio: 'ignore' });
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(lockFile, `${dead.pid}\n`);
    await addWorktree(repo.dir, join(repo.root, 'b'), 'fleet/b', 'r');
    expect(existsSync(lockFile)).toBe(false);
  });

  it('lets one failing admin step not block the next', async () => {
    const repo = newRepo();
    await expect(withWorktreeAdminLock(repo.dir, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withWorktreeAdminLock(repo.dir, async () => 42)).toBe(42);
  });
});

describe('removeWorktree', () => {
  it('removes a locked worktree with uncommitted files', async () => {
    const repo = newRepo();
    await createRef(repo.dir, 'refs/heads/fleet/a', repo.git('rev-parse', 'HEAD'));
    const path = join(repo.root, 'repo.worktrees', 'a');
    await addWorktree(repo.dir, path, 'fleet/a', 'fleet task=a');
    writeFileSync(join(path, 'scratch.txt'), 'x');

    await removeWorktree(repo.dir, path);

    expect(existsSync(path)).toBe(false);
    expect((await listWorktrees(repo.dir)).map((w) => w.path)).toEqual([repo.dir]);
    expect(repo.git('rev-parse', '--verify', 'fleet/a')).toBeTruthy(); // branches are not its business
  });

  it('cleans up the record of a worktree whose directory was already deleted', async () => {
    const repo = newRepo();
    await createRef(repo.dir, 'refs/heads/fleet/a', repo.git('rev-parse', 'HEAD'));
    const path = join(repo.root, 'repo.worktrees', 'a');
    await addWorktree(repo.dir, path, 'fleet/a', 'fleet task=a');
    rmSync(path, { recursive: true, force: true });
    // Locked, so git itself would never prune it.
    expect((await listWorktrees(repo.dir)).find((w) => w.path === path)?.locked).toBe('fleet task=a');

    await removeWorktree(repo.dir, path);
    await removeWorktree(repo.dir, path); // idempotent

    expect((await listWorktrees(repo.dir)).map((w) => w.path)).toEqual([repo.dir]);
  });

  it('leaves the target of a linked shared directory alone', async () => {
    const repo = newRepo({ files: { '.gitignore': '.cache/\n' } });
    repo.write('.cache/models/weights.bin', 'precious');
    await createRef(repo.dir, 'refs/heads/fleet/a', repo.git('rev-parse', 'HEAD'));
    const path = join(repo.root, 'repo.worktrees', 'a');
    await addWorktree(repo.dir, path, 'fleet/a', 'r');
    mkdirSync(join(path, '.cache'));
    symlinkSync(join(repo.dir, '.cache/models'), join(path, '.cache/models'));

    await removeWorktree(repo.dir, path);

    expect(repo.read('.cache/models/weights.bin')).toBe('precious');
  });

  it('never removes the main worktree', async () => {
    const repo = newRepo();
    await expect(removeWorktree(repo.dir, repo.dir)).rejects.toThrow(/main worktree/);
    expect(repo.read('README.md')).toContain('test repo');
  });

  it('prunes records of worktrees whose directories are gone', async () => {
    const repo = newRepo();
    const path = join(repo.root, 'gone');
    repo.git('worktree', 'add', '-q', '--detach', path);
    rmSync(path, { recursive: true, force: true });
    await pruneWorktrees(repo.dir);
    expect(await listWorktrees(repo.dir)).toHaveLength(1);
  });
});

describe('prepareGateWorktree', () => {
  it('creates a detached gate, then reuses it for the next candidate without stale files', async () => {
    const repo = newRepo({ files: { '.gitignore': 'node_modules/\n', 'a.txt': 'v1\n' } });
    const first = repo.git('rev-parse', 'HEAD');
    repo.write('a.txt', 'v2\n');
    repo.write('b.txt', 'new\n');
    const second = repo.commitAll('second');
    const gate = join(repo.root, 'repo.worktrees', '.gate');

    await prepareGateWorktree(repo.dir, gate, first);
    expect(readFileSync(join(gate, 'a.txt'), 'utf8')).toBe('v1\n');
    writeFileSync(join(gate, 'a.txt'), 'edited by the check\n');
    writeFileSync(join(gate, 'junk.txt'), 'left by the check\n');
    mkdirSync(join(gate, 'node_modules'));
    writeFileSync(join(gate, 'node_modules', 'dep.js'), 'installed\n');

    await prepareGateWorktree(repo.dir, gate, second);

    expect(readFileSync(join(gate, 'a.txt'), 'utf8')).toBe('v2\n');
    expect(readFileSync(join(gate, 'b.txt'), 'utf8')).toBe('new\n');
    expect(existsSync(join(gate, 'junk.txt'))).toBe(false);
    expect(existsSync(join(gate, 'node_modules', 'dep.js'))).toBe(true);
    expect(repo.git('-C', gate, 'rev-parse', 'HEAD')).toBe(second);
    expect((await listWorktrees(repo.dir)).find((w) => w.path === gate)?.detached).toBe(true);
  });

  it('refuses to turn a branch worktree into the gate', async () => {
    const repo = newRepo();
    const path = join(repo.root, 'user-wt');
    repo.git('worktree', 'add', '-q', '-b', 'feature', path);
    writeFileSync(join(path, 'wip.txt'), 'user work');
    await expect(prepareGateWorktree(repo.dir, path, 'main')).rejects.toThrow(/not a detached fleet worktree/);
    expect(readFileSync(join(path, 'wip.txt'), 'utf8')).toBe('user work');
  });
});
