import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDirFor } from '../../source/engine/host/paths.js';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { AGENTS, agent, fleetCli, lastRun, runFleet, startRun, until as waitUntil, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();
const CHECK = '! git grep -q TODO';

function refs(r: { git(...a: string[]): string }, prefix: string): string[] {
  return r.git('for-each-ref', '--format=%(refname)', prefix).split('\n').filter(Boolean);
}

const until = (text: () => string, marker: string) => waitUntil(`"${marker}"`, () => text().includes(marker), { tries: 600 });

describe('best-of-N candidates', () => {
  it('runs three candidates; the one that passes is merged, the others archived, and dependents start after it', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: feat, candidates: 3, run: "${agent('by-candidate', 'out.txt', '2')}" }
  - { id: after, run: "test -f out.txt && ${agent('edit', 'after.txt', 'x')}", depends_on: [feat] }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(r.git('show', 'main:out.txt')).toBe('candidate 2 line 1\ncandidate 2 line 2');
    expect(r.git('show', 'main:after.txt')).toBe('x');
    expect(result.out.indexOf('feat: merged')).toBeLessThan(result.out.indexOf('after: attempt 1 starting'));
    expect(result.out).toContain('feat: candidate 2 picked (first-pass)');

    const state = await lastRun(r.dir);
    const feat = state.tasks.feat!;
    expect(feat.picked).toEqual({ candidate: 2, by: 'first-pass' });
    // First-pass stops a candidate still running once one passed (the three run at once, so
    // candidate 1's failing check may or may not be done by then); either way its work is archived.
    expect(feat.candidates![1]!.state).toBe('passed');
    expect(['failed', 'stopped']).toContain(feat.candidates![0]!.state);
    expect(['failed', 'stopped']).toContain(feat.candidates![2]!.state);
    // Nothing of any candidate is left but its archive; the losers' work is kept there.
    expect(refs(r, 'refs/heads/fleet/')).toEqual([]);
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    const archives = refs(r, 'refs/fleet/archive/feat/');
    // The winner's commit is in main; the losers are archived.
    expect(archives.map((a) => a.slice(-3))).toEqual(['1@1', '1@3']);
    expect(r.git('show', `${archives[0]}:out.txt`)).toBe('candidate 1 TODO');
  });

  it('gives each candidate FLEET_CANDIDATE, its own branch and worktree, and one agent each with agents:', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
agents:
  one: { command: [sh, "${AGENTS}env.sh", env.txt] }
  two: { command: [sh, "${AGENTS}env.sh", env.txt] }
tasks:
  - { id: pair, agents: [one, two], pick: smallest-diff, prompt: "record the env" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    const env = r.git('show', 'main:env.txt');
    expect(env).toContain('FLEET_CANDIDATE=1');
    expect(env).toMatch(/FLEET_BRANCH=fleet\/pair@1\n/);
    expect(env).toMatch(/FLEET_WORKTREE=\S+\/pair@1\n/);
    const state = await lastRun(r.dir);
    expect(state.tasks.pair!.candidates!.map((c) => c.agent)).toEqual(['one', 'two']);
    expect(state.tasks.pair!.picked?.by).toBe('smallest-diff');
  });

  it('pick: judge merges the candidate the judge names from the candidates file', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: feat, candidates: 3, pick: judge, judge: "sh ${AGENTS}judge.sh", run: "${agent('by-candidate', 'out.txt', '1 2 3')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('feat: candidate 3 picked (judge)');
    expect(r.git('show', 'main:out.txt').split('\n')).toHaveLength(3);
    const state = await lastRun(r.dir);
    const file = JSON.parse(readFileSync(join(await stateDirFor(join(r.dir, 'fleet.yaml')), 'logs', state.runId, 'feat', '1', 'candidates.json'), 'utf8'));
    expect(file.map((c: { number: number; check: string; diff: { insertions: number } }) => [c.number, c.check, c.diff.insertions])).toEqual([
      [1, 'passed', 1],
      [2, 'passed', 2],
      [3, 'passed', 3],
    ]);
  });

  it('a judge that crashes falls back to first-pass and says so', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: feat, candidates: 3, pick: judge, judge: "sh ${AGENTS}judge.sh crash", run: "${agent('by-candidate', 'out.txt', '2 3', '0.2')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('feat: candidate 2 picked (first-pass); the judge failed (exit 3: judge blew up); picked by first-pass');
    expect(r.git('show', 'main:out.txt')).toBe('candidate 2 line 1\ncandidate 2 line 2');
  });

  it('the user overrules the pick from the CLI before the merge', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: feat, candidates: 3, pick: smallest-diff, run: "${agent('by-candidate', 'out.txt', '1 2 3', '0.3')}" }
`,
    );
    const run = startRun(r.dir, 'feat: candidates 1 (run), 2 (run), 3 (run) starting');
    await run.seen;
    // Held, so the pick waits in the queue for the user.
    expect((await fleetCli(r.dir, 'pause', 'feat')).code).toBe(0);
    await until(() => run.out.text, 'feat: candidate 1 picked (smallest-diff)');
    const refused = await fleetCli(r.dir, 'pick', 'feat', '9');
    expect(refused.code).toBe(2);
    const picked = await fleetCli(r.dir, 'pick', 'feat', '3');
    expect(picked.out + picked.err).toContain('feat: candidate 3 is the pick now (was 1)');
    expect(picked.code).toBe(0);
    expect((await fleetCli(r.dir, 'resume', 'feat')).code).toBe(0);
    expect(await run.done).toBe(0);
    expect(run.out.text).toContain('feat: candidate 3 picked (user)');
    expect(r.git('show', 'main:out.txt').split('\n')).toHaveLength(3);
    expect(refs(r, 'refs/heads/fleet/')).toEqual([]);
    expect(refs(r, 'refs/fleet/archive/feat/').map((a) => a.slice(-3))).toEqual(['1@1', '1@2']);
  });

  it('approve: true asks once, for the winner; the approved winner merges', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: feat, candidates: 3, pick: smallest-diff, approve: true, run: "${agent('by-candidate', 'out.txt', '1 2 3')}" }
`,
    );
    const first = await runFleet(r.dir);
    expect(first.code, first.out).toBe(1);
    const held = (await lastRun(r.dir)).tasks.feat!;
    expect(held.state).toBe('awaiting_approval');
    expect(held.picked).toEqual({ candidate: 1, by: 'smallest-diff' });
    expect(first.out.match(/feat: check passed.*; awaiting approval/g)).toHaveLength(1);
    expect(() => r.git('show', 'main:out.txt')).toThrow();

    expect((await fleetCli(r.dir, 'approve', 'feat')).code).toBe(0);
    const second = await runFleet(r.dir);
    expect(second.code, second.out).toBe(0);
    expect((await lastRun(r.dir)).tasks.feat!.state).toBe('merged');
    expect(r.git('show', 'main:out.txt').split('\n')).toHaveLength(1);
  });

  it('a retry reruns the failed candidates only', async () => {
    const r = repo();
    const hold = join(r.dir, '..', `hold-${Date.now()}`);
    writeFileSync(hold, '');
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
defaults: { retries: 0 }
tasks:
  - { id: feat, candidates: 2, pick: smallest-diff, run: "${agent('slow-candidate', 'out.txt', hold)}" }
`,
    );
    const run = startRun(r.dir, 'feat │ [2] holding');
    await run.seen;
    await until(() => run.out.text, 'feat@1: passed');
    expect((await fleetCli(r.dir, 'cancel', 'feat')).code).toBe(0);
    expect(await run.done).toBe(1);
    rmSync(hold);
    expect((await fleetCli(r.dir, 'retry', 'feat')).code).toBe(0);
    const again = await runFleet(r.dir);
    expect(again.code, again.out + again.err).toBe(0);
    // Candidate 1 passed and is kept; only the stopped candidate 2 runs again.
    expect(again.out).toContain('feat: candidates 2 (run) starting');
    expect(again.out).toContain('feat: candidate 1 picked (smallest-diff)');
    expect(r.git('show', 'main:out.txt')).toBe('candidate 1 line 1');
    const archives = refs(r, 'refs/fleet/archive/feat/');
    expect(archives.some((a) => a.endsWith('-1@2'))).toBe(true);
  });
});
