import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unsafeChanges } from '../../source/git/unsafe-changes.js';
import { runGit, tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('unsafeChanges', () => {
  it('says whether the trees differ at all, a deletion included, and what it must not merge unseen', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n', 'gone.txt': 'g\n' } });
    const base = repo.git('rev-parse', 'HEAD');
    expect(await unsafeChanges(repo.dir, base, base, [])).toEqual({ findings: [], changed: false });

    repo.git('rm', '-q', 'gone.txt');
    const deleted = repo.commitAll('delete');
    expect(await unsafeChanges(repo.dir, base, deleted, ['gone.txt'])).toEqual({ findings: [], changed: true });

    repo.write('.env', 'SECRET=1\n');
    symlinkSync('../../outside', join(repo.dir, 'escape'));
    const risky = repo.commitAll('risky');
    const { findings, changed } = await unsafeChanges(repo.dir, deleted, risky, ['.env']);
    expect(changed).toBe(true);
    expect(findings).toEqual([
      '.env: adds a file under ".env", which fleet copies or links into worktrees',
      'escape: symlink points outside the worktree (../../outside)',
    ]);
  });

  it('will not merge a nested git repository unseen: its commit is not in this repository', async () => {
    const repo = newRepo();
    const base = repo.git('rev-parse', 'HEAD');
    const nested = join(repo.dir, 'sub');
    mkdirSync(nested);
    runGit(nested, 'init', '-q');
    writeFileSync(join(nested, 'n.txt'), 'precious\n');
    runGit(nested, 'add', 'n.txt');
    runGit(nested, '-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-qm', 'nested');
    const inner = runGit(nested, 'rev-parse', 'HEAD');
    repo.git('add', 'sub');
    const tip = repo.commitAll('adds a nested repository');
    expect(repo.git('ls-tree', tip, 'sub')).toContain(`160000 commit ${inner}`);
    expect(await unsafeChanges(repo.dir, base, tip, [])).toEqual({
      findings: [`sub: a nested git repository (commit ${inner.slice(0, 12)}), whose commits this repository does not hold`],
      changed: true,
    });
  });
});
