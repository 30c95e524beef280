// `fleet diff`: git's own diff of a task's change against its base, from a real run.
import { describe, expect, it } from 'vitest';
import { taskDiff } from '../../source/engine/diff.js';
import { tempRepos } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

describe('fleet diff', () => {
  it("prints a task's change in review, plain when piped, its stat first; --stat prints only that", async () => {
    const r = repo({ files: { 'greeting.txt': 'old\n' } });
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: greet, run: "${agent('revisable', 'greeting.txt', 'hi', 'x')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    const diff = await fleetCli(r.dir, 'diff', 'greet');
    expect(diff.code, diff.err).toBe(0);
    expect(diff.out).not.toContain('\x1b');
    expect(diff.out).toMatch(/^ escape {7}\| 1 \+\n greeting.txt \| 2 \+-\n 2 files changed/);
    expect(diff.out).toContain('diff --git a/greeting.txt b/greeting.txt\n');
    expect(diff.out).toContain('\n-old\n+hi\n');
    const stat = await fleetCli(r.dir, 'diff', 'greet', '--stat');
    expect(stat.out).toContain('2 files changed');
    expect(stat.out).not.toContain('diff --git');
  });

  it('shows the merge commit of a merged task, and an archived attempt with --attempt', async () => {
    const r = repo({ files: { 'out.txt': 'start\n' } });
    const dir = r.dir;
    writeFleet(
      dir,
      `version: 1\ntasks:\n  - { id: t, run: "${agent('by-attempt', 'out.txt', dir)}", check: ["! grep -q TODO out.txt"], retries: 1 }\n`,
    );
    expect((await runFleet(dir)).code).toBe(0);
    const t = (await lastRun(dir)).tasks.t!;
    expect(t.state).toBe('merged');
    const merged = await fleetCli(dir, 'diff', 't');
    expect(merged.out).toContain('\n-start\n+done\n');
    const first = await fleetCli(dir, 'diff', 't', '--attempt', '1');
    expect(first.out).toContain('\n-start\n+half done TODO\n');
    const missing = await fleetCli(dir, 'diff', 't', '--attempt', '3');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`t has no archived attempt 3 in run ${(await lastRun(dir)).runId}; its archives are refs/fleet/archive/t/`);
  });

  it("shows a best-of-N task's picked candidate while it awaits approval", async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nconcurrency: 2\ndefaults: { retries: 0 }\ntasks:\n  - { id: c, run: "echo c$FLEET_CANDIDATE > c.txt", candidates: 2, approve: true }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    const picked = (await lastRun(r.dir)).tasks.c!.picked!.candidate;
    const diff = await fleetCli(r.dir, 'diff', 'c');
    expect(diff.code, diff.err).toBe(0);
    expect(diff.out).toContain(`+c${picked}\n`);
  });

  it('cuts a diff to its first lines for the UI, the same lines the whole diff starts with', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: many, run: "seq 1 500 > many.txt" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    const run = await lastRun(r.dir);
    const request = { repo: r.dir, runId: run.runId, record: run.tasks.many!, color: true };
    const whole = await taskDiff(request);
    expect(whole.lines.length).toBeGreaterThan(500);
    for (const maxLines of [1, 7, 300]) {
      const cut = await taskDiff({ ...request, maxLines });
      expect(cut.lines).toEqual(whole.lines.slice(0, maxLines));
    }
    expect((await taskDiff({ ...request, maxLines: 10_000 })).lines).toEqual(whole.lines);
  });

  it("passes the agent's file contents through the output sanitizer", async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: evil, run: "printf 'a\\\\033]0;pwned\\\\007b\\\\n' > evil.txt" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    expect(r.git('show', 'main:evil.txt')).toContain('\x1b]0;pwned');
    const diff = await fleetCli(r.dir, 'diff', 'evil');
    expect(diff.out).toContain('\n+ab\n');
    expect(diff.out).not.toContain('\x1b');
  });
});
