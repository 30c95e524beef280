// A task removed from the fleet file while it has work: archived, its worktree, branch and run refs
// removed, and a task of that id put back later starts fresh (docs/design.md#state-on-disk).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, lastJournal, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

const first = `  - { id: first, run: "${agent('edit', 'README.md', 'first title')}" }\n`;
const second = `  - { id: second, run: "${agent('edit', 'README.md', 'second title', '0.8')}" }\n`;
const bad = `  - { id: bad, run: "${agent('fail')}" }\n`;
const fleet = (...tasks: string[]) => `version: 1\nconcurrency: 2\ndefaults: { retries: 0 }\ntasks:\n${tasks.join('')}`;

describe('a task removed from the fleet file', () => {
  it('with work (in review) is archived, its worktree, branch and run refs removed; put back, it starts fresh', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, fleet(first, second));
    expect((await runFleet(r.dir)).code).toBe(1);
    const before = await lastRun(r.dir);
    expect(before.tasks.second!.state).toBe('review');
    const worktree = before.tasks.second!.worktree!;
    expect(existsSync(worktree)).toBe(true);

    writeFleet(r.dir, fleet(first));
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(resumed.out).toContain('second: removed from the fleet file');

    const archives = r.git('for-each-ref', '--format=%(refname)', 'refs/fleet/archive/second/').split('\n').filter(Boolean);
    expect(archives).toHaveLength(1);
    expect(r.git('show', `${archives[0]}:README.md`)).toBe('second title');
    expect(resumed.out).toContain(archives[0]);
    expect(existsSync(worktree)).toBe(false);
    expect(r.git('worktree', 'list')).not.toContain('second');
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
    expect(r.git('for-each-ref', `refs/fleet/${before.runId}/`)).not.toMatch(/\/second$/m);

    const journal = await lastJournal(r.dir);
    const archived = journal.findIndex((e) => e.type === 'attempt_archived' && e.key === 'second' && e.ref === archives[0]);
    const removed = journal.findIndex((e) => e.type === 'task_removed' && e.key === 'second');
    expect(archived).toBeGreaterThan(-1);
    expect(removed).toBeGreaterThan(archived);

    // Put back: a new run (the old one finished) starts it from scratch; nothing of it is in the way.
    writeFleet(r.dir, fleet(second));
    const fresh = await runFleet(r.dir, { fresh: true });
    expect(fresh.code, fresh.out + fresh.err).toBe(0);
    expect(r.git('show', 'main:README.md')).toBe('second title');
  });

  it('put back into a run that is still unfinished starts a fresh attempt in that run', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, fleet(first, second, bad));
    expect((await runFleet(r.dir)).code).toBe(1);
    const runId = (await lastRun(r.dir)).runId;

    writeFleet(r.dir, fleet(first, bad));
    expect((await runFleet(r.dir)).code).toBe(1);
    expect(r.git('for-each-ref', 'refs/heads/fleet/second')).toBe('');

    writeFleet(r.dir, fleet(first, second, bad));
    const back = await runFleet(r.dir);
    expect(back.code, back.out + back.err).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.runId).toBe(runId);
    expect(state.tasks.second!.state).toBe('merged');
    expect(state.tasks.second!.attempt).toBe(1);
    expect(r.git('show', 'main:README.md')).toBe('second title');
    expect(existsSync(join(r.root, 'repo.worktrees', 'second'))).toBe(false);
  });

  it('with best-of-N candidates that all failed has each candidate archived and removed', async () => {
    const r = repo();
    const feat = `  - { id: feat, candidates: 2, run: "${agent('by-candidate', 'out.txt', '0')}" }\n`;
    const check = 'version: 1\nconcurrency: 2\ndefaults: { check: "! git grep -q TODO", retries: 0 }\ntasks:\n';
    writeFleet(r.dir, check + feat + first);
    expect((await runFleet(r.dir)).code).toBe(1);
    expect(r.git('for-each-ref', '--format=%(refname)', 'refs/heads/fleet/')).toContain('refs/heads/fleet/feat@');

    writeFleet(r.dir, check + first);
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    const archives = r.git('for-each-ref', '--format=%(refname)', 'refs/fleet/archive/feat/').split('\n').filter(Boolean);
    expect(archives).toHaveLength(2);
    expect(archives.map((a) => r.git('show', `${a}:out.txt`))).toEqual(['candidate 1 TODO', 'candidate 2 TODO']);
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });
});
