// Budgets with a circuit breaker, against stub Claude Code / codex CLIs on PATH that report
// their usage (test/fixtures/stub-agents/).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetCli, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';
import { jsonEvents as events, useStubAgents } from '../helpers/stub-agents.js';

const repo = tempRepos();
useStubAgents();

const task = (id: string, script: string, extra = '') => `  - { id: ${id}, prompt: "${script}\\nwrite ${id}.txt ${id}"${extra} }\n`;

describe('budgets', () => {
  it('at the run cap starts nothing new: only the attempts already running go over; held (budget), exit 1', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
budget: { tokens: 500 }
defaults: { agent: claude, retries: 0 }
tasks:
${['a', 'b', 'c', 'd', 'e'].map((id) => task(id, 'usage 700 100 0.05')).join('')}`,
    );
    // One attempt's report alone crosses the cap, and it arrives when its agent exits, before its
    // slot frees: with a cap two reports had to cross, a fast commit could free a slot before the
    // other attempt's usage was read, and a third start was (rightly) allowed.
    const result = await runFleet(r.dir, { json: true });
    expect(result.code, result.err).toBe(1);
    const seen = events(result.out);
    const started = seen.filter((e) => e.type === 'attempt_started');
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThanOrEqual(2);
    expect(seen.filter((e) => e.type === 'budget_exceeded')).toMatchObject([{ scope: 'run', cap: { tokens: 500 } }]);
    const state = await lastRun(r.dir);
    expect(state.budgetHeld).toBe(true);
    const pending = state.order.filter((k) => state.tasks[k]!.state === 'pending');
    expect(pending.length).toBe(5 - started.length);
    // Finished work still merges: the breaker stops starts, not checks or merges.
    for (const e of started) expect(state.tasks[(e as { key: string }).key]!.state).toBe('merged');
  });

  it('prints held (budget) in the headless summary', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nconcurrency: 1\nbudget: { usd: 0.01 }\ndefaults: { agent: codex, retries: 0 }\ntasks:\n${task('a', 'usage 10 10')}${task('b', 'usage 10 10')}`);
    // codex reports no USD: a dollar cap alone never trips on it.
    expect((await runFleet(r.dir)).code).toBe(0);
    const other = repo();
    writeFleet(other.dir, `version: 1\nconcurrency: 1\nbudget: { tokens: 5 }\ndefaults: { agent: codex, retries: 0 }\ntasks:\n${task('c', 'usage 10 10')}${task('d', 'usage 10 10')}`);
    const result = await runFleet(other.dir);
    expect(result.code, result.out).toBe(1);
    expect(result.out).toContain('held (budget): spent $0.00 · 20/5 tokens');
  });

  it("at a task's cap fails only that task, as budget, with its work archived", async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
defaults: { agent: claude, retries: 2 }
tasks:
${task('greedy', 'usage 900 100 0.30', ', budget: { usd: 0.25 }')}${task('frugal', 'usage 90 10 0.01', ', budget: { usd: 0.25 }')}${task('after', 'usage 1 1', ', depends_on: [frugal]')}`,
    );
    const result = await runFleet(r.dir, { json: true });
    expect(result.code).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.tasks.greedy!.state).toBe('failed');
    expect(state.tasks.greedy!.failure).toMatchObject({ phase: 'budget' });
    expect(state.tasks.greedy!.failure!.message).toContain('$0.30/$0.25');
    // No retry: its cap covers all its attempts.
    expect(state.tasks.greedy!.attempt).toBe(1);
    expect(r.git('show', `refs/fleet/archive/greedy/${state.runId}-1:greedy.txt`)).toBe('greedy');
    expect(state.tasks.frugal!.state).toBe('merged');
    expect(state.tasks.after!.state).toBe('merged');
  });

  it('counts every best-of-N candidate against the cap; at the run cap a candidate still waiting does not start', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 1
budget: { tokens: 1000 }
defaults: { agent: claude, retries: 0 }
tasks:
${task('feat', 'usage 700 100', ', candidates: 3, pick: smallest-diff')}`,
    );
    const result = await runFleet(r.dir, { json: true });
    const state = await lastRun(r.dir);
    const feat = state.tasks.feat!;
    expect(feat.spend?.tokens, result.out).toBe(1600);
    expect(feat.candidates!.map((c) => c.state)).toEqual(['passed', 'passed', 'stopped']);
    expect(feat.candidates![2]!.message).toBe("not started: the run's budget is reached");
    expect(state.budgetHeld).toBe(true);
    // Finished work still merges: the breaker stops starts, not checks or merges.
    expect(feat.state).toBe('merged');
    expect(r.git('show', 'main:feat.txt')).toBe('feat');
  });

  it('raised live with fleet budget, the held run goes on', async () => {
    const r = repo();
    const release = join(r.root, 'release');
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
budget: { tokens: 500 }
defaults: { agent: claude, retries: 0 }
tasks:
${task('slow', `sleep-for ${release}\\nusage 1 1`)}${task('first', 'usage 500 100')}${task('second', 'usage 5 5', ', depends_on: [first]')}`,
    );
    const run = startRun(r.dir, 'held (budget)');
    try {
      await run.seen;
      expect((await lastRun(r.dir)).tasks.second!.state).toBe('pending');
      const raised = await fleetCli(r.dir, 'budget', '--tokens', '100000');
      expect(raised.out).toContain('run budget set to 100k tokens');
    } finally {
      writeFileSync(release, ''); // a failed assertion must not leave the run waiting forever
    }
    expect(await run.done).toBe(0);
    const state = await lastRun(r.dir);
    expect(state.order.map((k) => state.tasks[k]!.state)).toEqual(['merged', 'merged', 'merged']);
    expect(state.budgetCap).toEqual({ tokens: 100000 });
  });

  it('raised for a stopped run, applies when the next fleet run resumes it', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nconcurrency: 1\nbudget: { tokens: 50 }\ndefaults: { agent: codex, retries: 0 }\ntasks:\n${task('one', 'usage 40 20')}${task('two', 'usage 40 20')}`);
    expect((await runFleet(r.dir)).code).toBe(1);
    const raised = await fleetCli(r.dir, 'budget', '--tokens', '1000');
    expect(raised.out).toContain('recorded: budget 1k tokens; applied when `fleet run` resumes run');
    expect((await lastRun(r.dir)).tasks.two!.state).toBe('pending');
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    const state = await lastRun(r.dir);
    expect(state.tasks.two!.state).toBe('merged');
    expect(state.budgetHeld).toBe(false);
  });

  it('is refused when negative, and fleet budget needs a positive number', async () => {
    const r = repo();
    writeFleet(r.dir, 'version: 1\nbudget: { usd: -1 }\ntasks:\n  - { id: a, run: "true", budget: { tokens: 0 } }\n');
    const result = await fleetCli(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('fleet.yaml:2:16: budget.usd: expected a positive number of US dollars, got -1');
    expect(result.err).toContain('fleet.yaml:4:45: tasks[0].budget.tokens: expected a positive whole number of tokens, got 0');
    expect((await fleetCli(r.dir, 'budget', '--usd', '-3')).code).toBe(2);
  });

  it('validate prints the worst-case fan-out and spend, and warns above the threshold', async () => {
    const r = repo();
    const many = Array.from({ length: 30 }, (_, i) => `  - { id: t${i}, run: "true" }\n`).join('');
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 1, budget: { usd: 2 } }\nbudget: { usd: 10, on_exceed: pause }\ntasks:\n${many}`);
    const result = await fleetCli(r.dir, 'validate');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('worst case: 60 agent runs (tasks × candidates × (1 + retries))');
    expect(result.out).toContain('worst-case spend (per-task caps): $60.00');
    expect(result.out).toContain('run budget: $10.00, on_exceed: pause');
    expect(result.err).toContain('warning: up to 60 agent runs');
    expect(result.err).toContain('warning: the per-task caps allow $60.00 in all');
  });

  it('validate counts every best-of-N candidate in the fan-out and the spend', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 1, budget: { usd: 2 } }\ntasks:\n  - { id: one, run: "true" }\n  - { id: three, run: "true", candidates: 3 }\n`);
    const result = await fleetCli(r.dir, 'validate');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('worst case: 8 agent runs (tasks × candidates × (1 + retries))');
    expect(result.out).toContain('worst-case spend (per-task caps): $8.00');
  });
});
