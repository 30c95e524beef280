import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../source/core/state.js';
import { runPaths, stateDirFor } from '../../source/engine/host/paths.js';
import { createTempRepo, tempRepos } from '../helpers/repo.js';
import { agent, fleetCli, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';
import { startFleet } from '../helpers/cli-process.js';

const repo = tempRepos();

const CONFLICTING = `version: 1
concurrency: 2
defaults: { retries: 0 }
tasks:
  - { id: first, run: "${agent('edit', 'README.md', 'first title')}" }
  - { id: second, run: "${agent('edit', 'README.md', 'second title', '0.8')}" }
  - { id: after, run: "${agent('edit', 'after.txt', 'x')}", depends_on: [second] }
`;

describe('resuming and acting on runs', () => {
  it('applies an action recorded on a stopped run when the run resumes: retry unblocks the dependents', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, CONFLICTING);
    expect((await runFleet(r.dir)).code).toBe(1);
    const before = await lastRun(r.dir);

    const recorded = await fleetCli(r.dir, 'retry', 'second');
    expect(recorded.code).toBe(0);
    expect(recorded.out).toContain('recorded: retry second');

    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toContain(`run ${before.runId} resumed`);
    const state = await lastRun(r.dir);
    expect(state.runId).toBe(before.runId);
    expect(state.tasks.second!.state).toBe('merged');
    expect(state.tasks.second!.attempt).toBe(2);
    expect(state.tasks.after!.state).toBe('merged');
    expect(r.git('show', 'main:README.md')).toBe('second title');
    // The conflicted first attempt is archived, not lost.
    expect(r.git('show', `refs/fleet/archive/second/${before.runId}-1:README.md`)).toBe('second title');
  });

  it('an action a stopped run would refuse is refused at once (exit 2) and not recorded', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, CONFLICTING);
    expect((await runFleet(r.dir)).code).toBe(1);
    const run = await lastRun(r.dir);
    expect(run.tasks.first!.state).toBe('merged');
    const inbox = runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), run.runId).inbox;

    const refused = await fleetCli(r.dir, 'requeue', 'second', 'first');
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      'fleet: cannot requeue first: only a task in review or cancelled can be requeued; it is merged\n' +
        "hint: requeue applies to a task that is in review or cancelled; `fleet status` shows each task's state\n",
    );
    expect(refused.out).toBe('');
    expect(readdirSync(inbox)).toEqual([]);

    const recorded = await fleetCli(r.dir, 'requeue', 'second');
    expect(recorded.code).toBe(0);
    expect(readdirSync(inbox)).toHaveLength(1);
  });

  it('accept marks a reviewed task done without merging, and its dependents start from base', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, CONFLICTING);
    await runFleet(r.dir);
    await fleetCli(r.dir, 'accept', 'second');
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    const state = await lastRun(r.dir);
    expect(state.tasks.second!.state).toBe('accepted');
    expect(state.tasks.second!.archives).toHaveLength(1);
    expect(r.git('show', 'main:README.md')).toBe('first title');
    expect(r.git('show', 'main:after.txt')).toBe('x');
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
  });

  it('a finished run is not run again: `run` prints its summary and exit code; --fresh starts a new run', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    const first = await lastRun(r.dir);
    const again = await runFleet(r.dir);
    expect(again.code).toBe(0);
    expect(again.out).toContain('this run already finished');
    expect((await lastRun(r.dir)).runId).toBe(first.runId);

    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: two, run: "${agent('edit', 'two.txt', '2')}" }\n`);
    const fresh = await runFleet(r.dir, { fresh: true });
    expect(fresh.code, fresh.out + fresh.err).toBe(0);
    expect((await lastRun(r.dir)).runId).not.toBe(first.runId);
    expect(r.git('show', 'main:two.txt')).toBe('2');
  });

  it('--fresh archives the unfinished run\'s work before starting over', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, CONFLICTING);
    await runFleet(r.dir);
    const old = await lastRun(r.dir);
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: second, run: "${agent('edit', 'README.md', 'again')}" }\n`);
    const fresh = await runFleet(r.dir, { fresh: true });
    expect(fresh.code, fresh.out + fresh.err).toBe(0);
    expect(fresh.err).toContain(`archived second of run ${old.runId}`);
    expect(r.git('show', `refs/fleet/archive/second/${old.runId}-1:README.md`)).toBe('second title');
    expect(r.git('show', 'main:README.md')).toBe('again');
    // status and ls read state.json without replaying the journal: it says superseded too.
    const snapshot = readFileSync(runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), old.runId).snapshot, 'utf8');
    expect((JSON.parse(snapshot) as RunState).stopped?.reason).toBe('superseded');
  });

  it('an interrupted run resumes its task in the same worktree without using a retry', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: slow, run: "${agent('sleep', '2', 'slow.txt')}" }\n`);
    const run = startRun(r.dir, 'slow │ working 0');
    await run.seen;
    run.abort.abort();
    expect(await run.done).toBe(130);
    const stopped = await lastRun(r.dir);
    expect(stopped.tasks.slow!.interrupted).toBe(true);
    expect(stopped.stopped?.reason).toBe('signal');

    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    const t = (await lastRun(r.dir)).tasks.slow!;
    expect(t.state).toBe('merged');
    expect(t.attempt).toBe(1);
    expect(r.git('show', 'main:slow.txt')).toBe('finished');
  });

  it('cancel reaches a live run: the agent stops, worktree and branch are kept', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '60', 'slow.txt')}" }\n`);
    const run = startRun(r.dir, 'slow │ working 0');
    await run.seen;
    const cancelled = await fleetCli(r.dir, 'cancel', 'slow');
    expect(cancelled.out).toContain('slow cancelled');
    expect(cancelled.code).toBe(0);
    expect(await run.done).toBe(1);
    const t = (await lastRun(r.dir)).tasks.slow!;
    expect(t.state).toBe('cancelled');
    expect(existsSync(t.worktree!)).toBe(true);
    expect(r.git('for-each-ref', '--format=%(refname)', 'refs/heads/fleet/')).toBe('refs/heads/fleet/slow');
  });

  it('refuses an action that does not fit the task, naming why', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    await runFleet(r.dir);
    await fleetCli(r.dir, 'retry', 'ghost').then((res) => {
      expect(res.code).toBe(2);
      expect(res.err).toContain('there is no task "ghost" in this run');
    });
  });
});

describe('the user\'s own checkout of base', () => {
  it('is fast-forwarded around uncommitted and untracked edits, which stay byte-identical', async () => {
    const r = repo({ files: { 'README.md': 'title\n', 'notes.md': 'mine\n' } });
    r.write('notes.md', 'mine, edited but not committed\n');
    r.write('scratch.txt', 'untracked\n');
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: feat, run: "${agent('edit', 'feat.txt', 'f')}" }\n`);
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(r.read('feat.txt')).toBe('f\n');
    expect(r.read('notes.md')).toBe('mine, edited but not committed\n');
    expect(r.read('scratch.txt')).toBe('untracked\n');
    expect(r.git('status', '--porcelain', '--', 'notes.md', 'scratch.txt', 'feat.txt')).toBe('M notes.md\n?? scratch.txt');
  });

  it('waits with a clear reason when the user\'s edits are in the way, and merges once they are gone', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    r.write('README.md', 'my uncommitted title\n');
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: feat, run: "${agent('edit', 'README.md', 'agent title')}" }\n`);
    const run = startRun(r.dir, 'feat: waiting to merge');
    await run.seen;
    expect(run.out.text).toMatch(/feat: waiting to merge: .*README\.md/);
    run.abort.abort();
    expect(await run.done).toBe(130);
    expect(r.read('README.md')).toBe('my uncommitted title\n');
    expect(r.git('show', 'main:README.md')).toBe('title');

    r.git('checkout', '--', 'README.md'); // the user sets their edit aside
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    expect(r.read('README.md')).toBe('agent title\n');
  });
});

describe('several projects', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('drives two repos from one file, a task waiting for the other repo\'s merge', async () => {
    const api = createTempRepo();
    const web = createTempRepo();
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-multi-')));
    roots.push(root, api.root, web.root);
    const dir = join(root, 'plan');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `version: 1
projects:
  api:
    path: ${api.dir}
    tasks:
      - { id: schema, run: "${agent('edit', 'schema.sql', 'users', '0.5')}" }
  web:
    path: ${web.dir}
    tasks:
      - { id: ui, run: "${agent('edit', 'ui.txt', 'uses api')}", depends_on: ["api:schema"] }
`,
    );
    const result = await runFleet(dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect(api.git('show', 'main:schema.sql')).toBe('users');
    expect(web.git('show', 'main:ui.txt')).toBe('uses api');
    expect(result.out.indexOf('api:schema: merged')).toBeLessThan(result.out.indexOf('web:ui: attempt 1 starting'));
    expect(existsSync(join(dir, '.fleet'))).toBe(true);
  });
});

describe('resolving a conflict with the agent', () => {
  const RESOLVING = (onConflict: string) => `version: 1
concurrency: 2
defaults: { retries: 0 }
tasks:
  - { id: first, run: "${agent('edit', 'README.md', 'first title')}" }
  - { id: second, on_conflict: ${onConflict}, run: "${agent('edit', 'README.md', 'second title', '0.8')}" }
`;

  it('on request, merges base into the branch, lets the agent resolve, and queues the result', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, RESOLVING('review'));
    expect((await runFleet(r.dir)).code).toBe(1);
    expect((await fleetCli(r.dir, 'resolve', 'second')).code).toBe(0);
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out).toBe(0);
    expect(r.git('show', 'main:README.md')).toBe('second title');
    // The branch merged base in (two parents) before the queue merged it: first's commit is kept.
    expect(r.git('log', '--format=%s', 'main')).toContain('Merge main into fleet/second');
    const t = (await lastRun(r.dir)).tasks.second!;
    expect(t.attempt).toBe(1);
  });

  it('keeps a requested resolve that waits for a slot through a kill -9: the resumed run carries it out', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    const flag = join(r.root, 'go');
    const hold = (id: string) => `  - { id: ${id}, run: "${agent('wait-for', flag, `${id}.txt`).replace(/"/g, '\\"')}" }`;
    writeFleet(r.dir, `${RESOLVING('review')}${hold('hold1')}\n${hold('hold2')}\n`);
    const first = startFleet(r.dir);
    try {
      // second is in review for its conflict, and both slots are taken by agents that wait.
      const want = ['second:review', 'hold1:running', 'hold2:running'];
      let seen: string[] = [];
      for (let i = 0; i < 400 && !want.every((s) => seen.includes(s)); i++) {
        await new Promise((res) => setTimeout(res, 50));
        seen = await lastRun(r.dir).then((run) => Object.values(run.tasks).map((t) => `${t.key}:${t.state}`), () => []);
      }
      expect(seen).toEqual(expect.arrayContaining(want));
      const asked = await fleetCli(r.dir, 'resolve', 'second');
      expect(asked.code, asked.err).toBe(0);
      first.child.kill('SIGKILL');
      await first.exit;
    } finally {
      writeFileSync(flag, '');
    }
    const resumed = await runFleet(r.dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(r.git('show', 'main:README.md')).toBe('second title');
    expect((await lastRun(r.dir)).tasks.second!.state).toBe('merged');
  });

  it('with on_conflict: agent, resolves without a human', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, RESOLVING('agent'));
    const result = await runFleet(r.dir);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('second: resolving a conflict with main in README.md');
    expect(r.git('show', 'main:README.md')).toBe('second title');
  });
});

describe('pausing', () => {
  const procState = async (pid: number) => (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];

  it('stops a running task\'s whole process group and lets it go on when resumed', async () => {
    const r = repo();
    const flag = join(r.root, 'flag');
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('wait-for', flag, 'slow.txt')}" }\n`);
    const run = startRun(r.dir, 'slow: running (pid ');
    await run.seen;
    const pid = Number(/slow: running \(pid (\d+)/.exec(run.out.text)![1]);
    expect((await fleetCli(r.dir, 'pause', 'slow')).out).toContain('slow is paused');
    expect(await procState(pid)).toBe('T');
    expect((await lastRun(r.dir)).tasks.slow!.paused).toBe(true);
    expect((await fleetCli(r.dir, 'resume', 'slow')).out).toContain('slow resumed');
    expect(await procState(pid)).not.toBe('T');
    writeFileSync(flag, '');
    expect(await run.done).toBe(0);
  });

  it('holds a pending task, and the run waits for a human instead of starting it', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: first, run: "${agent('edit', 'first.txt', 'x', '1.5')}" }\n  - { id: later, run: "${agent('edit', 'later.txt', 'x')}", depends_on: [first] }\n`);
    const run = startRun(r.dir, 'first: attempt 1 starting');
    await run.seen;
    await fleetCli(r.dir, 'pause', 'later');
    expect(await run.done).toBe(1);
    const state = await lastRun(r.dir);
    expect(state.tasks.first!.state).toBe('merged');
    expect(state.tasks.later!.state).toBe('pending');
    expect(state.tasks.later!.paused).toBe(true);
  });
});

describe('an action recorded on a stopped run that fails when the run resumes', () => {
  it('is said in the run\'s output, not only in the inbox answer', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: broken, run: "${agent('fail')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    const run = await lastRun(r.dir);
    // Something else already holds the archive name with other content: the discard must refuse.
    r.git('update-ref', `refs/fleet/archive/broken/${run.runId}-1`, r.git('commit-tree', '-m', 'other', r.git('mktree', '--missing')));
    expect((await fleetCli(r.dir, 'discard', 'broken')).code).toBe(0);

    const resumed = await runFleet(r.dir);
    expect(resumed.code).toBe(1);
    expect(resumed.err).toContain('discard broken failed: Archive ref');
    expect((await lastRun(r.dir)).tasks.broken!.state).toBe('failed');
  });

  it('says only the keys it could not be applied to, when it names several', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: a, run: "echo a > a.txt", approve: true }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    expect((await fleetCli(r.dir, 'approve', 'a', 'a')).code).toBe(0);

    const resumed = await runFleet(r.dir);
    const said = resumed.err.split('\n').filter((l) => l.includes('not applied'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('cannot approve a');
    expect(r.git('show', 'main:a.txt')).toBe('a');
  });
});

describe('fleet status', () => {
  it('says so when base no longer contains a merged task', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    await runFleet(r.dir);
    r.git('reset', '--hard', '-q', 'HEAD~1');
    const status = await fleetCli(r.dir, 'status');
    expect(status.out).toMatch(/one\s+merged .*no longer in main/);
  });
});
