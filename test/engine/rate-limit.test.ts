// Rate limits are not failures: a stub Claude Code / codex on PATH that the "provider" refuses
// twice (HTTP 429, said in the CLI's own events) and then works.
import { describe, expect, it } from 'vitest';
import { emptyRun, reduce } from '../../source/core/state.js';
import { headerText } from '../../source/ui/components/Header.js';
import { lastRun, runFleet, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';
import { jsonEvents as events, useStubAgents } from '../helpers/stub-agents.js';

const repo = tempRepos();
useStubAgents();

describe('rate limits', () => {
  for (const cli of ['claude', 'codex']) {
    it(`${cli}: refused twice, then merged on its one attempt, no retry charged; the run halves its concurrency`, async () => {
      const r = repo();
      writeFleet(
        r.dir,
        `version: 1
concurrency: 4
defaults: { agent: ${cli}, retries: 0 }
tasks:
  - id: greet-${cli}
    prompt: "rate-limit 2\\nwrite hello.txt hi from ${cli}\\nusage 100 20 0.01"
`,
      );
      const result = await runFleet(r.dir, { json: true });
      expect(result.code, result.out + result.err).toBe(0);
      expect(r.git('show', 'main:hello.txt')).toBe(`hi from ${cli}`);
      const seen = events(result.out);
      const limited = seen.filter((e) => e.type === 'rate_limited');
      expect(limited.map((e) => [e.tries, e.attempt, e.concurrency])).toEqual([
        [1, 1, 2],
        [2, 1, 1],
      ]);
      // The reported reset (~200 ms) is honoured rather than the 10 s exponential step.
      for (const e of limited) expect(e.retryInMs).toBeLessThan(5_000);
      expect(seen.filter((e) => e.type === 'attempt_started')).toHaveLength(1);
      expect(seen.some((e) => e.type === 'attempt_failed')).toBe(false);
      const state = await lastRun(r.dir);
      expect(state.tasks[`greet-${cli}`]!.attempt).toBe(1);
      expect(state.concurrency).toBe(1);
      const info = { file: '', runId: state.runId, projects: [{ name: 'repo', base: 'main' }], concurrency: 4, criticalPath: [] };
      expect(headerText(info, state)).toContain('rate limited: 1/4 at once');
      // While it waits out the backoff, the header says so: the run as it was right after the first refusal.
      const upToFirst = seen.slice(0, seen.indexOf(limited[0]!) + 1);
      const backingOff = upToFirst.reduce((s, e) => reduce(s, e), emptyRun(state.runId, state.file));
      expect(headerText(info, backingOff)).toContain('rate limited: 2/4 at once · 1 backing off');
    });
  }

  it('holds a task whose quota stays spent for the user, as held (rate limit), exit 1', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
defaults: { agent: claude, retries: 3 }
tasks:
  - { id: spent, prompt: "rate-limit 99\\nwrite a.txt a" }
  - { id: fine, prompt: "write b.txt b" }
`,
    );
    const result = await runFleet(r.dir, { json: true });
    expect(result.code).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.tasks.spent!.state).toBe('review');
    expect(state.tasks.spent!.review?.reason).toBe('rate_limit');
    expect(state.tasks.fine!.state).toBe('merged');
    const limited = events(result.out).filter((e) => e.type === 'rate_limited' && e.key === 'spent');
    expect(limited.at(-1)).toMatchObject({ tries: 7, retryInMs: null });
    expect(state.tasks.spent!.attempt).toBe(1);
  });
});
