// A task that leaves an embedded git repository without a commit fails at its commit step (git
// will not add it); what follows must still work: discard, retry and `--fresh` archive the
// worktree with the embedded repository's files as plain files, then remove it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { fleetCli, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

const NESTED = `version: 1
defaults: { retries: 0 }
tasks:
  - id: nested
    run: mkdir sub2 && cd sub2 && git init -q && echo n > n.txt
`;

async function failedWithNestedRepo(): Promise<{ r: TempRepo; worktree: string; runId: string }> {
  const r = repo();
  writeFleet(r.dir, NESTED);
  const first = await runFleet(r.dir);
  expect(first.code, first.out).toBe(1);
  const state = await lastRun(r.dir);
  expect(state.tasks.nested!.failure?.phase).toBe('commit');
  expect(state.tasks.nested!.failure?.message).toContain('sub2/ is a git repository with nothing committed');
  return { r, worktree: state.tasks.nested!.worktree!, runId: state.runId };
}

const archives = (r: TempRepo) => r.git('for-each-ref', '--format=%(refname)', 'refs/fleet/archive/nested/').split('\n').filter(Boolean);

describe('a task that left an embedded repository without a commit', () => {
  it('can be discarded: its files are archived as plain files, its worktree and branch removed', async () => {
    const { r, worktree, runId } = await failedWithNestedRepo();
    expect((await fleetCli(r.dir, 'discard', 'nested')).code).toBe(0);
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(1); // a discarded task is not a success
    expect(resumed.out).toContain('nested: discarded');
    expect((await lastRun(r.dir)).tasks.nested!.state).toBe('discarded');
    expect(r.git('show', `refs/fleet/archive/nested/${runId}-1:sub2/n.txt`)).toBe('n');
    expect(existsSync(worktree)).toBe(false);
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
  });

  it('can be retried: the failed attempt is archived and a fresh one runs', async () => {
    const { r, runId } = await failedWithNestedRepo();
    expect((await fleetCli(r.dir, 'retry', 'nested')).code).toBe(0);
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(1); // the same command fails the same way
    expect((await lastRun(r.dir)).tasks.nested!.attempt).toBe(2);
    expect(r.git('show', `refs/fleet/archive/nested/${runId}-1:sub2/n.txt`)).toBe('n');
  });

  it('does not stop `--fresh`: the old worktree is archived and the new run goes on', async () => {
    const { r, worktree, runId } = await failedWithNestedRepo();
    const fresh = await runFleet(r.dir, { fresh: true });
    expect(fresh.err).not.toContain('internal error');
    expect(fresh.code, fresh.out + fresh.err).toBe(1); // the new run's attempt fails at commit again
    expect(fresh.err).toContain(`archived nested of run ${runId}`);
    expect(archives(r)).toContain(`refs/fleet/archive/nested/${runId}-1`);
    expect((await lastRun(r.dir)).runId).not.toBe(runId);
    expect(existsSync(worktree)).toBe(true); // the new run's attempt made it again
  });
});
