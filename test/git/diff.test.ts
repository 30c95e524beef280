import { describe, expect, it } from 'vitest';
import { diffText } from '../../source/git/diff.js';
import { diffTargets, fileStarts } from '../../source/ui/model/diff-lines.js';
import { tempRepos } from '../helpers/repo.js';

const newRepo = tempRepos();

describe('diffText', () => {
  it('puts the given paths first (a conflict review), glob characters taken literally', async () => {
    const repo = newRepo({ files: { 'a.txt': 'a\n', 'b[1].txt': 'b\n', 'b1.txt': 'x\n', 'c.txt': 'c\n' } });
    const from = repo.git('rev-parse', 'HEAD');
    for (const f of ['a.txt', 'b[1].txt', 'b1.txt', 'c.txt']) repo.write(f, `${f} changed\n`);
    const to = repo.commitAll('change all');
    const order = (text: string) => [...text.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]);
    expect(order(await diffText(repo.dir, from, to))).toEqual(['a.txt', 'b1.txt', 'b[1].txt', 'c.txt']);
    expect(order(await diffText(repo.dir, from, to, { first: ['c.txt', 'b[1].txt'] }))).toEqual(['c.txt', 'b[1].txt', 'a.txt', 'b1.txt']);
  });
});

describe('diff lines in the UI', () => {
  const lines = [
    ' a.txt | 3 ++-',
    'diff --git a/a.txt b/a.txt',
    'index 1..2 100644',
    '--- a/a.txt',
    '+++ b/a.txt',
    '@@ -1,3 +1,4 @@',
    ' one',
    '-two',
    '\x1b[32m+zwei\x1b[m',
    '+drei',
    ' four',
    'diff --git a/gone.txt b/gone.txt',
    'deleted file mode 100644',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-bye',
  ];

  it('places each line of a file at its new-side line, colour or not; headers and deleted files nowhere', () => {
    const t = diffTargets(lines);
    expect(t.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(t.slice(5, 11)).toEqual([1, 1, 2, 2, 3, 4].map((line) => ({ path: 'a.txt', line })));
    expect(t.slice(11)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(fileStarts(lines)).toEqual([1, 11]);
  });
});
