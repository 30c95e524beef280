import { describe, expect, it } from 'vitest';
import { commitTree, mergeTree, UnknownCommitError } from '../../source/git/merge.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';

const newRepo = tempRepos();

/** Commits `files` on a new branch `name` off main, then returns to main. */
function branch(repo: TempRepo, name: string, files: Record<string, string | null>): string {
  repo.git('checkout', '-q', '-b', name, 'main');
  for (const [rel, content] of Object.entries(files)) {
    if (content === null) repo.git('rm', '-q', rel);
    else repo.write(rel, content);
  }
  const sha = repo.commitAll(`change on ${name}`);
  repo.git('checkout', '-q', 'main');
  return sha;
}

describe('mergeTree', () => {
  it('merges two branches that touch different files into a clean tree', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    branch(repo, 'fleet/a', { 'a.txt': 'A\n' });
    branch(repo, 'fleet/b', { 'b.txt': 'B\n' });
    repo.git('branch', '-f', 'ours', 'fleet/a');
    const result = await mergeTree(repo.dir, 'ours', 'fleet/b');
    expect(result.kind).toBe('clean');
    expect(repo.git('show', `${result.tree}:a.txt`)).toBe('A');
    expect(repo.git('show', `${result.tree}:b.txt`)).toBe('B');
  });

  it('lists the conflicting paths and leaves base and the checkout untouched', async () => {
    const repo = newRepo({ files: { 'shared.txt': 'one\n', 'other.txt': 'x\n' } });
    branch(repo, 'fleet/task', { 'shared.txt': 'task version\n' });
    repo.write('shared.txt', 'base version\n');
    const base = repo.commitAll('base edit');

    const result = await mergeTree(repo.dir, 'main', 'fleet/task');

    expect(result.kind).toBe('conflict');
    if (result.kind !== 'conflict') return;
    expect(result.paths).toEqual(['shared.txt']);
    expect(result.messages.some((m) => m.type === 'CONFLICT (contents)' && m.paths.includes('shared.txt'))).toBe(true);
    expect(repo.git('show', `${result.tree}:shared.txt`)).toMatch(/<<<<<<< main[\s\S]*>>>>>>> fleet\/task/);
    expect(repo.git('rev-parse', 'main')).toBe(base);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.read('shared.txt')).toBe('base version\n');
  });

  it('reports a modify/delete conflict', async () => {
    const repo = newRepo({ files: { 'doomed.txt': 'v1\n' } });
    branch(repo, 'fleet/del', { 'doomed.txt': null });
    repo.write('doomed.txt', 'v2\n');
    repo.commitAll('modify');
    const result = await mergeTree(repo.dir, 'main', 'fleet/del');
    expect(result.kind).toBe('conflict');
    if (result.kind !== 'conflict') return;
    expect(result.paths).toEqual(['doomed.txt']);
    expect(result.messages.map((m) => m.type)).toContain('CONFLICT (modify/delete)');
  });

  it('throws on an unknown ref instead of calling it a conflict', async () => {
    const repo = newRepo();
    await expect(mergeTree(repo.dir, 'main', 'fleet/missing')).rejects.toBeInstanceOf(UnknownCommitError);
    await expect(mergeTree(repo.dir, 'nope', 'main')).rejects.toThrow(/nope does not name a commit/);
  });
});

describe('commitTree', () => {
  it('records a merge commit with both parents, the exact message and the user identity', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n' } });
    const tip = branch(repo, 'fleet/a', { 'a.txt': 'A\n' });
    const base = repo.git('rev-parse', 'main');
    const merged = await mergeTree(repo.dir, 'main', 'fleet/a');
    const message = 'Merge task a\n\nFleet-Task: a';

    const commit = await commitTree(repo.dir, merged.tree, [base, tip], message);

    expect(repo.git('log', '-1', '--format=%P', commit)).toBe(`${base} ${tip}`);
    expect(repo.git('log', '-1', '--format=%B', commit)).toBe(message);
    expect(repo.git('log', '-1', '--format=%an <%ae>', commit)).toBe('Fleet Test <test@fleet.invalid>');
    expect(repo.git('rev-parse', 'main')).toBe(base);
  });

  it('never signs, even when the repository asks for signed commits', async () => {
    const repo = newRepo();
    repo.git('config', 'commit.gpgSign', 'true');
    repo.git('config', 'gpg.program', 'false');
    const head = repo.git('rev-parse', 'HEAD');
    const commit = await commitTree(repo.dir, repo.git('rev-parse', 'HEAD^{tree}'), [head], 'squash');
    expect(repo.git('cat-file', '-p', commit)).not.toMatch(/gpgsig/);
  });
});
