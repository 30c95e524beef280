import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BranchInUseError, createRef, createRefWith, deleteRef, deleteRefs, InvalidRefError, listRefs, moveRefs, readRef, setRefs, updateRef } from '../../source/git/refs.js';
import { branchUse } from '../../source/git/worktree-list.js';
import { tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('compare-and-swap refs', () => {
  it('creates a ref once, with a reflog, and reports it exists the second time', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    expect(await createRef(repo.dir, 'refs/fleet/r1/base/a', head, 'fleet: base of a')).toBe('ok');
    expect(await createRef(repo.dir, 'refs/fleet/r1/base/a', head)).toBe('exists');
    expect(repo.git('reflog', 'show', '--format=%gs', 'refs/fleet/r1/base/a')).toBe('fleet: base of a');
  });

  it('loses an update when the ref moved since it was read', async () => {
    const repo = newRepo();
    const first = repo.git('rev-parse', 'HEAD');
    repo.git('branch', 'fleet/a');
    repo.write('x.txt', 'x\n');
    const second = repo.commitAll('second');

    expect(await updateRef(repo.dir, 'refs/heads/fleet/a', second, first)).toBe('ok');
    expect(await updateRef(repo.dir, 'refs/heads/fleet/a', first, first)).toBe('moved');
    expect(repo.git('rev-parse', 'fleet/a')).toBe(second);
    expect(await updateRef(repo.dir, 'refs/heads/fleet/missing', first, second)).toBe('moved');
  });

  it('exactly one of many concurrent updates from the same old value wins', async () => {
    const repo = newRepo();
    const old = repo.git('rev-parse', 'HEAD');
    repo.git('branch', 'target');
    const tips: string[] = [];
    for (let i = 0; i < 6; i++) {
      repo.write(`f${i}.txt`, `${i}\n`);
      tips.push(repo.commitAll(`c${i}`));
    }
    const results = await Promise.all(tips.map((t) => updateRef(repo.dir, 'refs/heads/target', t, old)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(tips).toContain(repo.git('rev-parse', 'target'));
  });

  it('deletes only while the ref still has the expected value', async () => {
    const repo = newRepo();
    const first = repo.git('rev-parse', 'HEAD');
    repo.git('branch', 'fleet/a');
    repo.write('x.txt', 'x\n');
    const second = repo.commitAll('second');
    expect(await deleteRef(repo.dir, 'refs/heads/fleet/a', second)).toBe('moved');
    expect(repo.git('rev-parse', 'fleet/a')).toBe(first);
    expect(await deleteRef(repo.dir, 'refs/heads/fleet/a', first)).toBe('ok');
    expect(await deleteRef(repo.dir, 'refs/heads/fleet/a', first)).toBe('missing');
    expect(await readRef(repo.dir, 'refs/heads/fleet/a')).toBeUndefined();
  });

  it('refuses to move or delete a branch that is checked out somewhere', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    repo.write('x.txt', 'x\n');
    const next = repo.commitAll('next');
    await expect(updateRef(repo.dir, 'refs/heads/main', head, next)).rejects.toBeInstanceOf(BranchInUseError);
    repo.git('worktree', 'add', '-q', '-b', 'fleet/busy', join(repo.root, 'busy'));
    await expect(deleteRef(repo.dir, 'refs/heads/fleet/busy')).rejects.toThrow(/checked out or being rebased/);
    expect(repo.git('rev-parse', 'main')).toBe(next);
    expect(repo.git('rev-parse', 'fleet/busy')).toBe(next);
  });

  it('creates a branch and sets its companion refs in one transaction, or writes none of them', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    const base = 'refs/fleet/r1/base/a';
    expect(await createRefWith(repo.dir, { ref: 'refs/heads/fleet/a', sha: head }, [{ ref: base, sha: head }], 'fleet: task a')).toBe('ok');
    expect(repo.git('rev-parse', 'fleet/a', base)).toBe(`${head}\n${head}`);
    expect(repo.git('reflog', 'show', '--format=%gs', 'fleet/a')).toBe('fleet: task a');

    repo.write('x.txt', 'x\n');
    const next = repo.commitAll('next');
    expect(await createRefWith(repo.dir, { ref: 'refs/heads/fleet/a', sha: next }, [{ ref: base, sha: next }])).toBe('exists');
    expect(repo.git('rev-parse', 'fleet/a', base)).toBe(`${head}\n${head}`);
  });

  it('sets fleet-owned refs together and deletes them together, missing ones included, never branches', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    const refs = ['refs/fleet/r1/merged/a', 'refs/fleet/r1/merged/b'];
    await setRefs(repo.dir, refs.map((ref) => ({ ref, sha: head })), 'fleet: merged');
    expect(repo.git('rev-parse', ...refs)).toBe(`${head}\n${head}`);
    expect(repo.git('reflog', 'show', '--format=%gs', refs[0]!)).toBe('fleet: merged');

    await expect(deleteRefs(repo.dir, [refs[0]!, 'refs/heads/main'])).rejects.toBeInstanceOf(InvalidRefError);
    expect(await readRef(repo.dir, refs[0]!)).toBe(head);
    await deleteRefs(repo.dir, [...refs, 'refs/fleet/r1/merged/never']);
    expect(await listRefs(repo.dir, ['refs/fleet/'])).toEqual(new Map());
  });

  it('moves refs together from where they are expected, or none of them when one moved', async () => {
    const repo = newRepo();
    const old = repo.git('rev-parse', 'HEAD');
    repo.git('branch', 'fleet/a', old);
    repo.git('update-ref', 'refs/fleet/r1/base/a', old);
    const next = repo.commitAll('next');
    const moves = ['refs/heads/fleet/a', 'refs/fleet/r1/base/a'].map((ref) => ({ ref, next, expected: old }));
    repo.git('update-ref', 'refs/fleet/r1/base/a', next); // one of them already moved: neither moves
    expect(await moveRefs(repo.dir, moves)).toBe('moved');
    expect(repo.git('rev-parse', 'fleet/a')).toBe(old);
    repo.git('update-ref', 'refs/fleet/r1/base/a', old);
    expect(await moveRefs(repo.dir, moves, 'fleet: to base')).toBe('ok');
    expect(repo.git('rev-parse', 'fleet/a', 'refs/fleet/r1/base/a')).toBe(`${next}\n${next}`);
  });

  it('tells where a branch is checked out or rebased from the worktrees\' own files', async () => {
    const repo = newRepo();
    const wt = join(repo.root, 'busy');
    repo.git('worktree', 'add', '-q', '-b', 'fleet/busy', wt);
    repo.git('worktree', 'add', '-q', '--detach', join(repo.root, 'detached'));
    expect(await branchUse(repo.dir, 'refs/heads/main')).toEqual({ checkedOut: [repo.dir], rebasing: [] });
    expect(await branchUse(repo.dir, 'refs/heads/fleet/busy')).toEqual({ checkedOut: [wt], rebasing: [] });
    expect(await branchUse(repo.dir, 'refs/heads/fleet/none')).toEqual({ checkedOut: [], rebasing: [] });

    // A rebase detaches HEAD but the branch stays in use; git records its name in rebase-merge/head-name.
    repo.write('y.txt', 'y\n');
    repo.commitAll('on main');
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    const gitDir = repo.git('-C', wt, 'rev-parse', '--absolute-git-dir');
    mkdirSync(join(gitDir, 'rebase-merge'));
    writeFileSync(join(gitDir, 'rebase-merge', 'head-name'), 'refs/heads/fleet/busy\n');
    expect(await branchUse(repo.dir, 'refs/heads/fleet/busy')).toEqual({ checkedOut: [], rebasing: [wt] });
  });

  it('never counts a bare repository\'s HEAD as a checkout', async () => {
    const repo = newRepo();
    const bare = join(repo.root, 'bare.git');
    repo.git('clone', '-q', '--bare', repo.dir, bare);
    const wt = join(repo.root, 'linked');
    repo.git('-C', bare, 'worktree', 'add', '-q', '-b', 'fleet/x', wt, 'main');
    expect(await branchUse(wt, 'refs/heads/main')).toEqual({ checkedOut: [], rebasing: [] });
    expect(await branchUse(wt, 'refs/heads/fleet/x')).toEqual({ checkedOut: [wt], rebasing: [] });
  });

  it('rejects short names that update-ref would write as stray files', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    await expect(createRef(repo.dir, 'main', head)).rejects.toBeInstanceOf(InvalidRefError);
  });

  it('lists refs under prefixes and reads single refs', async () => {
    const repo = newRepo();
    const head = repo.git('rev-parse', 'HEAD');
    await createRef(repo.dir, 'refs/fleet/r1/merged/a', head);
    await createRef(repo.dir, 'refs/fleet/r1/merged/b', head);
    repo.git('branch', 'fleet/c');
    const refs = await listRefs(repo.dir, ['refs/fleet/', 'refs/heads/fleet/']);
    expect([...refs.keys()].sort()).toEqual(['refs/fleet/r1/merged/a', 'refs/fleet/r1/merged/b', 'refs/heads/fleet/c']);
    expect(refs.get('refs/heads/fleet/c')).toBe(head);
    expect(await listRefs(repo.dir, ['refs/nothing/'])).toEqual(new Map());
    expect(await readRef(repo.dir, 'refs/fleet/r1/merged/a')).toBe(head);
    expect(await readRef(repo.dir, 'refs/fleet/none')).toBeUndefined();
  });
});
