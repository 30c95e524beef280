import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unsafeChanges } from '../../source/git/unsafe-changes.js';
import { tempRepos } from '../helpers/repo.js';

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
});
