import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateDirFor } from '../../source/engine/host/paths.js';
import { Store } from '../../source/engine/store.js';
import { tempRepos } from '../helpers/repo.js';
import { lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

describe('failure phases say whose fault a failure is', () => {
  it('files a commit that git refuses under `commit`, with git\'s reason', async () => {
    const r = repo();
    // A nested repository without a commit makes `git add -A` fail in the task's worktree.
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: nested, run: "echo x > a.txt && mkdir sub && git -C sub init -q" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const task = (await lastRun(r.dir)).tasks['nested']!;
    expect(task.state).toBe('failed');
    expect(task.failure?.phase).toBe('commit');
    expect(task.failure?.message).toMatch(/sub/);
  });

  it('files an error fleet did not expect under `internal`: no retry is spent on it, and the stack is in daemon.log', async () => {
    const r = repo();
    // Attempt 1 turns attempt 2's prompt file into a directory (its TMPDIR is inside its attempt's
    // log dir), then fails: writing attempt 2's prompt is then an error fleet never planned for.
    const sabotage = 'mkdir -p \\"$TMPDIR/../../2/prompt.txt\\" && exit 1';
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 2 }\ntasks:\n  - { id: victim, run: "${sabotage}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const task = (await lastRun(r.dir)).tasks['victim']!;
    expect(task.state).toBe('failed');
    expect(task.attempt).toBe(2);
    expect(task.failure?.phase).toBe('internal');
    expect(task.failure?.message).toMatch(/^fleet hit an internal error: .*EISDIR/);
    const log = readFileSync(join(await stateDirFor(join(r.dir, 'fleet.yaml')), 'daemon.log'), 'utf8');
    expect(log).toMatch(/internal error in victim attempt 2: Error: EISDIR[\s\S]*at /);
  });
});

describe('Store', () => {
  it('keeps notifying the other listeners when one throws, and reports the failure', () => {
    const reported: string[] = [];
    const store = new Store(undefined, undefined, undefined, (error, event) => reported.push(`${event.type}: ${(error as Error).message}`));
    const seen: string[] = [];
    store.subscribe(() => {
      throw new Error('view broke');
    });
    store.subscribe((state, event) => seen.push(`${event.type} ${state.runId}`));
    store.dispatch({ type: 'run_started', at: 1, runId: 'r1', file: 'f', resumed: false, pid: 1 });
    store.dispatch({ type: 'starts_paused', at: 2 });
    expect(seen).toEqual(['run_started r1', 'starts_paused r1']);
    expect(reported).toEqual(['run_started: view broke', 'starts_paused: view broke']);
    expect(store.state.startsPaused).toBe(true);
  });
});
