import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();
const CHECK = '! git grep -q TODO';

function fleetBranches(r: { git(...a: string[]): string }): string {
  return r.git('for-each-ref', '--format=%(refname)', 'refs/heads/fleet/');
}

describe('fleet run (headless)', () => {
  it('runs independent tasks in parallel and merges each once, leaving no worktree or branch behind', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 3
defaults: { check: "${CHECK}", retries: 0 }
tasks:
  - { id: alpha, run: "${agent('edit', 'alpha.txt', 'A', '0.3')}" }
  - { id: beta, run: "${agent('edit', 'beta.txt', 'B', '0.1')}" }
  - { id: gamma, run: "${agent('edit', 'src/gamma.txt', 'C')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(r.git('show', 'main:alpha.txt')).toBe('A');
    expect(r.git('show', 'main:beta.txt')).toBe('B');
    expect(r.git('show', 'main:src/gamma.txt')).toBe('C');
    // One merge commit per task on the first-parent line, each with the Fleet-Task trailer.
    const merges = r.git('log', '--first-parent', '--format=%s', 'main').split('\n');
    expect(merges.filter((s) => s.startsWith('Merge fleet task'))).toHaveLength(3);
    expect(fleetBranches(r)).toBe('');
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    const state = await lastRun(r.dir);
    expect(state.order.map((k) => state.tasks[k]!.state)).toEqual(['merged', 'merged', 'merged']);
  });

  it('starts a dependent only after its dependency merged, on top of it', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 4
defaults: { check: "${CHECK}" }
tasks:
  - { id: schema, run: "${agent('edit', 'schema.sql', 'create table users', '0.3')}" }
  - id: api
    run: "test -f schema.sql && ${agent('edit', 'api.txt', 'uses users')}"
    depends_on: [schema]
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    const order = r.git('log', '--first-parent', '--reverse', '--format=%s', 'main').split('\n');
    expect(order.filter((s) => s.startsWith('Merge')).map((s) => s.split(':')[0])).toEqual([
      'Merge fleet task schema',
      'Merge fleet task api',
    ]);
    expect(result.out.indexOf('schema: merged')).toBeLessThan(result.out.indexOf('api: attempt 1 starting'));
  });

  it('sends a conflict to review with its paths, leaves base untouched, and blocks only its dependents', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
defaults: { retries: 0 }
tasks:
  - { id: first, run: "${agent('edit', 'README.md', 'first title')}" }
  - { id: second, run: "${agent('edit', 'README.md', 'second title', '0.8')}" }
  - { id: after-second, run: "${agent('edit', 'x.txt', 'x')}", depends_on: [second] }
  - { id: other, run: "${agent('edit', 'other.txt', 'o', '1')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.tasks.first!.state).toBe('merged');
    expect(state.tasks.other!.state).toBe('merged');
    expect(state.tasks.second!.state).toBe('review');
    expect(state.tasks.second!.review?.paths).toEqual(['README.md']);
    expect(state.tasks['after-second']!.state).toBe('pending');
    expect(result.out).toContain('after-second blocked by second (review)');
    expect(r.git('show', 'main:README.md')).toBe('first title');
    // The review keeps the worktree and branch, and anchors the conflict tree.
    expect(existsSync(state.tasks.second!.worktree!)).toBe(true);
    expect(fleetBranches(r)).toBe('refs/heads/fleet/second');
    const conflict = r.git('show', `refs/fleet/${state.runId}/review/second:README.md`);
    expect(conflict).toContain('<<<<<<<');
  });

  it('retries a failed check as a fresh attempt whose prompt carries the failure, archiving the first', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
defaults: { check: "${CHECK}", retries: 1 }
tasks:
  - { id: feature, run: "${agent('by-attempt', 'feature.txt', r.root)}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(r.git('show', 'main:feature.txt')).toBe('done');
    const second = readFileSync(join(r.root, 'prompt-2.txt'), 'utf8');
    expect(second).toContain('attempt 1 failed');
    expect(second).toContain('check `! git grep -q TODO` exited with status 1');
    const state = await lastRun(r.dir);
    expect(state.tasks.feature!.attempt).toBe(2);
    // Attempt 1's work is kept under an archive ref.
    const archive = `refs/fleet/archive/feature/${state.runId}-1`;
    expect(r.git('show', `${archive}:feature.txt`)).toBe('half done TODO');
  });

  it('fails a task after its retries, keeping its worktree, and exits 1', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
defaults: { retries: 1 }
tasks:
  - { id: hopeless, run: "${agent('fail', '7')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const t = (await lastRun(r.dir)).tasks.hopeless!;
    expect(t.state).toBe('failed');
    expect(t.attempt).toBe(2);
    expect(t.failure?.message).toBe('agent exited with status 7');
    expect(t.failure?.tail).toContain('reason: scripted failure');
    expect(existsSync(t.worktree!)).toBe(true);
  });

  it('sends a task that changed nothing to review', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: idle, run: "${agent('nothing')}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const t = (await lastRun(r.dir)).tasks.idle!;
    expect(t.state).toBe('review');
    expect(t.review?.reason).toBe('no_changes');
  });

  it('merges a task with no changes when it allows empty results', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: idle, allow_empty: true, run: "${agent('nothing')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
  });

  it('squashes a task into one single-parent commit', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
defaults: { merge: squash }
tasks:
  - { id: tidy, title: Tidy things, run: "git commit --allow-empty -qm wip && ${agent('edit', 'tidy.txt', 't')}" }
`,
    );
    expect((await runFleet(r.dir)).code).toBe(0);
    expect(r.git('log', '-1', '--format=%B', 'main')).toBe('Tidy things\n\nFleet-Task: tidy');
    expect(r.git('rev-list', '--parents', '-1', 'main').split(' ')).toHaveLength(2);
    expect(r.git('show', 'main:tidy.txt')).toBe('t');
  });

  it('sends a candidate whose merged result fails the check to review, base untouched', async () => {
    const r = repo({ files: { 'check.sh': 'test ! -f a.txt || test ! -f b.txt\n' } });
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
defaults: { check: sh check.sh, retries: 0 }
tasks:
  - { id: a, run: "${agent('edit', 'a.txt', 'a')}" }
  - { id: b, run: "${agent('edit', 'b.txt', 'b', '0.5')}" }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.tasks.a!.state).toBe('merged');
    expect(state.tasks.b!.state).toBe('review');
    expect(state.tasks.b!.review?.reason).toBe('gate_failed');
    expect(r.git('ls-tree', '--name-only', 'main')).not.toContain('b.txt');
    // The gate worktree is gone once the run ends.
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain('_gate');
  });

  it('gives every process the task environment, without an inherited GIT_DIR', async () => {
    const r = repo();
    const other = repo();
    writeFleet(
      r.dir,
      `version: 1\nports: { base: 45000 }\ntasks:\n  - { id: envy, title: Env check, setup: 'echo "$FLEET_PORT $FLEET_TASK_ID" > setup-env.txt', check: 'test "$FLEET_PORT" = 45000', run: "${agent('env', 'env.txt')}" }\n`,
    );
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(other.dir, '.git');
    try {
      expect((await runFleet(r.dir)).code).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
    const env = r.git('show', 'main:env.txt');
    expect(env).toContain('FLEET_TASK_ID=envy');
    expect(env).toContain('FLEET_TASK_TITLE=Env check');
    expect(env).toContain('FLEET_BRANCH=fleet/envy');
    expect(env).toContain('FLEET_BASE=main');
    expect(env).toContain('FLEET_ATTEMPT=1');
    expect(env).toContain('FLEET_PORT=45000');
    expect(env).toContain(`FLEET_FILE_DIR=${r.dir}`);
    expect(env).toMatch(/FLEET_PROMPT_FILE=.*prompt\.txt/);
    expect(env).toContain('GIT_DIR=unset');
    expect(r.git('show', 'main:setup-env.txt')).toBe('45000 envy'); // setup (and check) see the same values
    expect(other.git('log', '--format=%s')).toBe('initial');
  });
});

describe('the journal', () => {
  it('replays into exactly the state the run saved', async () => {
    const { readFileSync } = await import('node:fs');
    const { readJournal } = await import('../../source/engine/journal.js');
    const { replay } = await import('../../source/core/state.js');
    const { runPaths, stateDirFor } = await import('../../source/engine/host/paths.js');
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(
      r.dir,
      `version: 1
defaults: { retries: 1 }
tasks:
  - { id: a, run: "${agent('edit', 'README.md', 'a')}" }
  - { id: b, run: "${agent('edit', 'README.md', 'b', '0.5')}" }
  - { id: c, run: "${agent('fail')}" }
`,
    );
    await runFleet(r.dir);
    const state = await lastRun(r.dir);
    const paths = runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), state.runId);
    const saved = JSON.parse(readFileSync(paths.snapshot, 'utf8'));
    expect(replay(readJournal(paths.journal))).toEqual(saved);
    expect(readFileSync(paths.journal, 'utf8')).not.toContain('"type":"progress"');
  });
});

describe('slots, files and limits', () => {
  it('never runs more agents than `concurrency`, and does use every slot', async () => {
    const { readJournal } = await import('../../source/engine/journal.js');
    const { runPaths, stateDirFor } = await import('../../source/engine/host/paths.js');
    const r = repo();
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((id) => `  - { id: ${id}, run: "${agent('edit', `${id}.txt`, id, '0.4')}" }`).join('\n');
    writeFleet(r.dir, `version: 1\nconcurrency: 2\ntasks:\n${tasks}\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    const state = await lastRun(r.dir);
    const events = readJournal(runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), state.runId).journal);
    let running = 0;
    let most = 0;
    const ports = new Set<number>();
    for (const e of events) {
      if (e.type === 'attempt_started') running++;
      if (e.type === 'check_passed' || e.type === 'review' || (e.type === 'attempt_failed' && !e.willRetry)) running--;
      if (e.type === 'agent_started') ports.add(e.port);
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
    expect([...ports].sort()).toEqual([41000, 41001]);
  });

  it('brings copy, link and .worktreeinclude files into the worktree and never commits them', async () => {
    const r = repo({ files: { '.gitignore': '.env\n.cache/\nlocal.conf\n', '.worktreeinclude': 'local.conf\n' } });
    r.write('.env', 'SECRET=1\n');
    r.write('.cache/models/m.bin', 'weights\n');
    r.write('local.conf', 'conf\n');
    const probe = 'cat .env .cache/models/m.bin local.conf > seen.txt && test -L .cache && git add -f .env';
    writeFleet(r.dir, `version: 1\ndefaults: { copy: [.env], link: [.cache] }\ntasks:\n  - { id: files, run: "${probe}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(r.git('show', 'main:seen.txt')).toBe('SECRET=1\nweights\nconf');
    expect(r.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('.env');
  });

  it('merges the work of an agent that leaves its ignored copy and link paths alone (git add complains about ignored excludes)', async () => {
    // `.cache` without a slash also ignores the symlink fleet puts there for `link`.
    const r = repo({ files: { '.gitignore': '.env\n.cache\n' } });
    r.write('.env', 'SECRET=1\n');
    r.write('.cache/models/m.bin', 'weights\n');
    writeFleet(r.dir, `version: 1\ndefaults: { copy: [.env], link: [.cache], retries: 0 }\ntasks:\n  - { id: w, run: "echo w > w.txt" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(r.git('show', 'main:w.txt')).toBe('w');
    expect(r.git('ls-tree', '-r', '--name-only', 'main')).toBe('.gitignore\nw.txt');
  });

  it('keeps a commit made on the branch after its check passed: what merged is what passed, the rest is archived', async () => {
    const r = repo();
    // A check that commits (a formatter with --commit, say): its commit was never checked.
    const check = "echo checked >> s.txt && git add s.txt && git commit -qm 'commit made by the check'";
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0, check: "${check}" }\ntasks:\n  - { id: s, run: "echo s > s.txt" }\n`);
    const result = await runFleet(r.dir, { json: true });
    expect(result.code, result.out).toBe(0);
    expect(r.git('show', 'main:s.txt')).toBe('s');
    const done = result.out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'cleanup_done');
    expect(done.archived).toMatch(/^refs\/fleet\/archive\/s\//);
    expect(r.git('log', '--format=%s', done.archived)).toContain('commit made by the check');
    expect(r.git('show', `${done.archived}:s.txt`)).toBe('s\nchecked');
  });

  it('archives nothing after a merge for what fleet itself copied or linked in', async () => {
    // `.cache/` matches directories only: the symlink fleet puts at .cache is untracked, not ignored.
    const r = repo({ files: { '.gitignore': '.cache/\n' } });
    r.write('.cache/models/m.bin', 'weights\n');
    r.write('local.conf', 'conf\n');
    writeFleet(r.dir, `version: 1\ndefaults: { copy: [local.conf], link: [.cache] }\ntasks:\n  - { id: w, run: "echo w > w.txt" }\n`);
    const result = await runFleet(r.dir, { json: true });
    expect(result.code, result.out).toBe(0);
    const done = result.out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'cleanup_done');
    expect(done).toEqual(expect.objectContaining({ key: 'w' }));
    expect(done.archived).toBeUndefined();
    expect(r.git('for-each-ref', 'refs/fleet/archive')).toBe('');
  });

  it('fails an attempt that runs past its timeout, keeping its log', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0, timeout: 1s }\ntasks:\n  - { id: stuck, run: "${agent('sleep', '30', 'x.txt')}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code).toBe(1);
    const t = (await lastRun(r.dir)).tasks.stuck!;
    expect(t.state).toBe('failed');
    expect(t.failure?.phase).toBe('timeout');
    expect(t.failure?.tail).toContain('working 0');
  });

  it('commits what the agent left with the task title and a Fleet-Task trailer, and skips the gate when base did not move', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: note, title: Write a note, run: "${agent('edit', 'note.txt', 'n')}" }\n`);
    const result = await runFleet(r.dir, { json: true });
    expect(result.code).toBe(0);
    expect(r.git('log', '-1', '--format=%B', 'main^2')).toBe('Write a note\n\nFleet-Task: note');
    const built = result.out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'candidate_built');
    expect(built.gate).toBe(false);
  });
});

describe('structured agent output', () => {
  it('turns Claude Code stream-json into readable pane lines and progress totals', async () => {
    const r = repo();
    const bin = new URL('../fixtures/fake-claude/', import.meta.url).pathname;
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: hello, agent: claude, prompt: Write a greeting }\n`);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    let result;
    try {
      result = await runFleet(r.dir, { json: true });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(result.code, result.out + result.err).toBe(0);
    const events = result.out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const progress = events.filter((e) => e.type === 'agent_progress');
    expect(progress.length).toBeGreaterThan(0);
    const t = (await lastRun(r.dir)).tasks.hello!;
    expect(t.agentProgress?.turns).toBeGreaterThan(0);
    expect(t.agentProgress?.costUsd).toBeGreaterThan(0);
    // The pane shows text, not raw JSON.
    const lines = events.filter((e) => e.type === 'progress').map((e) => e.line as string);
    expect(lines.some((l) => l.startsWith('{"type"'))).toBe(false);
  });
});
