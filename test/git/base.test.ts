import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceBase } from '../../source/git/base.js';
import { commitTree, mergeTree } from '../../source/git/merge.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';

const newRepo = tempRepos();

/**
 * A task branch fleet/t changing `files`, and the candidate merge commit of it onto main,
 * built the way the merge queue builds it. Leaves the main checkout on main, untouched.
 */
async function candidate(repo: TempRepo, files: Record<string, string>): Promise<{ expected: string; candidate: string }> {
  const expected = repo.git('rev-parse', 'main');
  const wt = join(repo.root, 'task');
  repo.git('worktree', 'add', '-q', '-b', 'fleet/t', wt, 'main');
  for (const [rel, content] of Object.entries(files)) writeFileSync(join(wt, rel), content);
  repo.git('-C', wt, 'add', '-A');
  repo.git('-C', wt, 'commit', '-q', '-m', 'task work');
  const merged = await mergeTree(repo.dir, 'main', 'fleet/t');
  return { expected, candidate: await commitTree(repo.dir, merged.tree, [expected, repo.git('rev-parse', 'fleet/t')], 'Merge t') };
}

const files = { 'app.ts': 'app v1\n', 'notes.md': 'user notes\n' };

describe('advanceBase', () => {
  it('(a) moves a base that is not checked out anywhere with a compare-and-swap', async () => {
    const repo = newRepo({ files });
    repo.git('checkout', '-q', '--detach');
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });
    expect(await advanceBase(repo.dir, 'main', c.candidate, c.expected)).toEqual({ kind: 'advanced', how: 'update-ref' });
    expect(repo.git('rev-parse', 'main')).toBe(c.candidate);
  });

  it('(b) fast-forwards the user checkout and keeps their unrelated edits byte-identical', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'app.ts': 'app v2\n', 'new.ts': 'new\n' });
    repo.write('notes.md', 'user notes\nhalf-written thought without newline');
    repo.write('scratch/todo.txt', 'untracked user file\r\n');

    const result = await advanceBase(repo.dir, 'main', c.candidate, c.expected);

    expect(result).toEqual({ kind: 'advanced', how: 'ff-only', worktree: repo.dir });
    expect(repo.git('rev-parse', 'main')).toBe(c.candidate);
    expect(repo.read('app.ts')).toBe('app v2\n');
    expect(repo.read('new.ts')).toBe('new\n');
    expect(repo.read('notes.md')).toBe('user notes\nhalf-written thought without newline');
    expect(repo.read('scratch/todo.txt')).toBe('untracked user file\r\n');
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe(' M notes.md\n?? scratch/todo.txt'.trim());
  });

  it('(c) waits, naming the file, when the user is editing a file the candidate changes', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });
    repo.write('app.ts', 'app v1\nuser edit in progress\n');

    const result = await advanceBase(repo.dir, 'main', c.candidate, c.expected);

    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/local changes.*app\.ts/);
    expect(repo.read('app.ts')).toBe('app v1\nuser edit in progress\n');
    expect(repo.git('rev-parse', 'main')).toBe(c.expected);
  });

  it('(c) waits when an untracked user file is in the way of a file the candidate adds', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'new.ts': 'from the task\n' });
    repo.write('new.ts', 'the user got there first\n');

    const result = await advanceBase(repo.dir, 'main', c.candidate, c.expected);

    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/new\.ts/);
    expect(repo.read('new.ts')).toBe('the user got there first\n');
    expect(repo.git('rev-parse', 'main')).toBe(c.expected);
  });

  it('(d) reports that base moved when the user committed since the candidate was built', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });
    repo.write('notes.md', 'committed by the user\n');
    const userCommit = repo.commitAll('user commit');

    expect(await advanceBase(repo.dir, 'main', c.candidate, c.expected)).toEqual({ kind: 'moved', current: userCommit });
    expect(repo.git('rev-parse', 'main')).toBe(userCommit);

    repo.git('checkout', '-q', '--detach'); // same answer when base is not checked out
    expect(await advanceBase(repo.dir, 'main', c.candidate, c.expected)).toEqual({ kind: 'moved', current: userCommit });
  });

  it('(e) waits while the user is in the middle of a merge', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });
    repo.git('checkout', '-q', '-b', 'user-branch', c.expected);
    repo.write('notes.md', 'theirs\n');
    repo.commitAll('theirs');
    repo.git('checkout', '-q', 'main');
    repo.write('notes.md', 'ours\n');
    repo.commitAll('ours');
    const before = repo.git('rev-parse', 'main');
    expect(() => repo.git('merge', 'user-branch')).toThrow();
    expect(existsSync(join(repo.dir, '.git', 'MERGE_HEAD'))).toBe(true);
    const conflicted = repo.read('notes.md');

    // expected = current tip so the only obstacle is the merge in progress
    const c2 = await commitTree(repo.dir, repo.git('rev-parse', `${c.candidate}^{tree}`), [before], 'squash');
    const result = await advanceBase(repo.dir, 'main', c2, before);

    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/merge is in progress/);
    expect(repo.read('notes.md')).toBe(conflicted);
    expect(repo.git('rev-parse', 'main')).toBe(before);
  });

  it('(f) waits while base is being rebased', async () => {
    const repo = newRepo({ files });
    repo.git('checkout', '-q', '-b', 'upstream');
    repo.write('notes.md', 'upstream\n');
    repo.commitAll('upstream');
    repo.git('checkout', '-q', 'main');
    repo.write('notes.md', 'local\n');
    const expected = repo.commitAll('local');
    expect(() => repo.git('rebase', 'upstream')).toThrow();
    expect(repo.git('rev-parse', 'main')).toBe(expected);
    const tree = repo.git('rev-parse', `${expected}^{tree}`);
    const next = await commitTree(repo.dir, tree, [expected], 'next');

    const result = await advanceBase(repo.dir, 'main', next, expected);

    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/main is being rebased in/);
    expect(repo.git('rev-parse', 'main')).toBe(expected);
  });

  it('(g) does not run the user post-merge hook', async () => {
    const repo = newRepo({ files });
    const marker = join(repo.root, 'post-merge-ran');
    const hook = join(repo.dir, '.git', 'hooks', 'post-merge');
    writeFileSync(hook, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    chmodSync(hook, 0o755);
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });

    expect(await advanceBase(repo.dir, 'main', c.candidate, c.expected)).toMatchObject({ kind: 'advanced', how: 'ff-only' });
    expect(existsSync(marker)).toBe(false);
  });

  it('fast-forwards base checked out in a linked worktree, leaving the main checkout alone', async () => {
    const repo = newRepo({ files });
    repo.git('checkout', '-q', '--detach');
    const mainHead = repo.git('rev-parse', 'HEAD');
    const userWt = join(repo.root, 'user-main');
    repo.git('worktree', 'add', '-q', userWt, 'main');
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });

    expect(await advanceBase(repo.dir, 'main', c.candidate, c.expected)).toEqual({ kind: 'advanced', how: 'ff-only', worktree: userWt });
    expect(readFileSync(join(userWt, 'app.ts'), 'utf8')).toBe('app v2\n');
    expect(repo.git('rev-parse', 'HEAD')).toBe(mainHead);
  });

  it('never moves a base that is checked out in a worktree whose directory was deleted', async () => {
    const repo = newRepo({ files });
    repo.git('checkout', '-q', '--detach');
    const gone = join(repo.root, 'gone');
    repo.git('worktree', 'add', '-q', gone, 'main');
    rmSync(gone, { recursive: true, force: true });
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });

    const result = await advanceBase(repo.dir, 'main', c.candidate, c.expected);

    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/no longer exists/);
    expect(repo.git('rev-parse', 'main')).toBe(c.expected);
  });

  it('waits while another git process holds the checkout index lock', async () => {
    const repo = newRepo({ files });
    const c = await candidate(repo, { 'app.ts': 'app v2\n' });
    writeFileSync(join(repo.dir, '.git', 'index.lock'), '');
    const result = await advanceBase(repo.dir, 'main', c.candidate, c.expected);
    expect(result.kind).toBe('waiting');
    if (result.kind === 'waiting') expect(result.reason).toMatch(/index\.lock/);
    expect(repo.git('rev-parse', 'main')).toBe(c.expected);
  });

  it('refuses to move base to a commit that does not contain it', async () => {
    const repo = newRepo({ files });
    repo.git('checkout', '-q', '--detach');
    const expected = repo.git('rev-parse', 'main');
    const orphan = await commitTree(repo.dir, repo.git('rev-parse', 'main^{tree}'), [], 'unrelated');
    await expect(advanceBase(repo.dir, 'main', orphan, expected)).rejects.toThrow(/refusing to move base/);
    expect(repo.git('rev-parse', 'main')).toBe(expected);
  });
});
