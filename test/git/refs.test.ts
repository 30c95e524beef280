import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BranchInUseError, createRef, deleteRef, InvalidRefError, listRefs, readRef, updateRef } from '../../source/git/refs.js';
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
