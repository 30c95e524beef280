// Adversarial cases of warm worktrees (docs/design.md#warm-worktrees): what someone wrote in a
// warm worktree before it was taken, releases that race the task's own start, and the archive
// refs a release leaves for the attempt that follows.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGit, tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, fleetCli, lastJournal, lastRun, runFleet, until, writeFleet } from '../helpers/fleet.js';
import { checkedOut, plain, warmed, warmPath, warmRuns } from '../helpers/warm.js';

const repo = tempRepos();

const { flag: flagFile, oneSlot, started, spawned } = warmRuns();

/** Every file under `dir` (no .git), as one string: what is on disk there. */
function filesUnder(dir: string): string {
  if (!existsSync(dir)) return '';
  let text = '';
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? filesUnder(path) : readFileSync(path, 'utf8');
  }
  return text;
}

/** `text` is still somewhere: in a commit any ref reaches, or on disk in a worktree fleet left. */
function kept(r: TempRepo, text: string): boolean {
  const everyRef = r.git('log', '--all', '-p', '--format=%H');
  return everyRef.includes(text) || filesUnder(join(r.root, 'repo.worktrees')).includes(text);
}

/** `done`'s value, or 'hung' once `ms` passed without it. */
function within<T>(ms: number, done: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

/**
 * A checkout of c's worktree takes `seconds` (a smudge filter, as Git LFS has, that is slow there
 * only): c's warm-up holds the pool's one turn that long.
 */
function slowCheckoutOf(r: TempRepo, id: string, seconds: number): void {
  const script = join(r.root, 'slow-smudge.sh');
  writeFileSync(script, `case "$PWD" in */repo.worktrees/${id}) sleep ${seconds};; esac\ncat\n`);
  r.git('config', 'filter.slow.smudge', `sh ${script}`);
  r.write('.gitattributes', 'slow.dat filter=slow\n');
  r.write('slow.dat', 'slow\n');
  r.commitAll('a file whose checkout is slow in one worktree');
}

describe('warm worktrees, adversarially', () => {
  it('keep what someone wrote in a warm worktree before it was taken, when base moved meanwhile', async () => {
    const r = repo({ files: { 'shared.txt': 'original\n' } });
    const flag = oneSlot(r, [plain('b')]);
    const run = started(r);
    await run.seen;
    await until('the warm worktree of b', () => warmed(r, 'b'));
    // The user edits a tracked file and stages a new one in the waiting worktree…
    const warm = warmPath(r, 'b');
    writeFileSync(join(warm, 'shared.txt'), 'edited by hand in the warm worktree\n');
    writeFileSync(join(warm, 'staged.txt'), 'a new file, staged by hand\n');
    runGit(warm, 'add', 'staged.txt');
    // …and base moves before b starts, so taking it resets the files.
    r.write('outside.txt', 'landed meanwhile\n');
    r.commitAll('the user commits on main');
    writeFileSync(flag, '');
    await run.done;
    expect(kept(r, 'edited by hand in the warm worktree'), run.out.text).toBe(true);
    expect(kept(r, 'a new file, staged by hand'), run.out.text).toBe(true);
  });

  it('whose branch someone committed on is not taken as fleet made it: the commit is kept, not merged unseen as the task\'s', async () => {
    const r = repo();
    const flag = oneSlot(r, [plain('b')]);
    const run = started(r);
    await run.seen;
    await until('the warm worktree of b', () => warmed(r, 'b'));
    const warm = warmPath(r, 'b');
    writeFileSync(join(warm, 'foreign.txt'), 'committed by hand on fleet/b\n');
    runGit(warm, 'add', 'foreign.txt');
    runGit(warm, 'commit', '--quiet', '--no-verify', '-m', 'someone else commits on the waiting branch');
    // main does not move: b's attempt takes its worktree without moving anything.
    writeFileSync(flag, '');
    await run.done;
    expect(r.git('log', '--format=%s', 'main'), run.out.text).not.toContain('someone else commits on the waiting branch');
    expect(kept(r, 'committed by hand on fleet/b')).toBe(true);
  });

  it('released with something written in it: the first attempt that then fails is still archived and retried', async () => {
    const r = repo();
    const flag = oneSlot(r, [`  - { id: b, run: "${agent('by-attempt', 'b.txt', r.root)}", check: "! grep -q TODO b.txt", retries: 1 }`]);
    const run = started(r);
    await run.seen;
    await until('the warm worktree of b', () => warmed(r, 'b'));
    writeFileSync(join(warmPath(r, 'b'), 'notes.txt'), 'notes the user left in the warm worktree\n');
    run.abort.abort(); // the interrupt releases b's warm worktree, archiving the notes
    await run.done;
    expect(checkedOut(r, 'fleet/b')).toBe(false);
    expect(kept(r, 'notes the user left in the warm worktree')).toBe(true);

    writeFileSync(flag, '');
    const resumed = started(r, 'run ');
    // b's attempt 1 fails its check and is archived before attempt 2 — under the ref the release took.
    expect(await within(30_000, resumed.done), resumed.out.text).toBe(0);
    const state = await lastRun(r.dir);
    expect([state.tasks.b!.state, state.tasks.b!.attempt]).toEqual(['merged', 2]);
    expect(r.git('show', 'main:b.txt')).toBe('done');
    expect(kept(r, 'notes the user left in the warm worktree')).toBe(true);
    expect(kept(r, 'half done TODO')).toBe(true); // attempt 1's work, archived before its retry
  });

  it('cancelled while its release waits its turn: the task does not start anyway, and no release removes the worktree of a started attempt', async () => {
    const r = repo();
    slowCheckoutOf(r, 'c', 6);
    const flag1 = flagFile(r, 'flag1');
    const flag2 = flagFile(r, 'flag2');
    writeFleet(
      r.dir,
      'version: 1\nconcurrency: 2\ndefaults: { retries: 0 }\ntasks:\n' +
        `  - { id: first, run: "${agent('wait-for', flag1, 'first.txt')}" }\n` +
        `  - { id: second, run: "${agent('wait-for', flag2, 'second.txt')}" }\n` +
        `  - { id: b, run: "${agent('edit', 'b.txt', 'b', '4')}" }\n` +
        `  - { id: c, run: "${agent('edit', 'c.txt', 'c')}" }\n`,
    );
    const run = started(r);
    await run.seen;
    await until('the warm worktree of b', () => warmed(r, 'b'));
    await until('c being warmed', () => checkedOut(r, 'fleet/c')); // its files take 6 s to come
    // The release of b waits behind c's warm-up; a slot frees meanwhile.
    const cancel = fleetCli(r.dir, 'cancel', 'b');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the cancel reached the run, and waits
    expect(run.out.text).not.toContain('b: cancelled');
    writeFileSync(flag1, '');
    expect((await cancel).code).toBe(0);
    writeFileSync(flag2, '');
    await within(40_000, run.done);

    const state = await lastRun(r.dir);
    expect(state.tasks.b!.state, run.out.text).toBe('cancelled');
    expect(r.git('ls-tree', '--name-only', 'main'), run.out.text).not.toContain('b.txt');
    const forB = (await lastJournal(r.dir)).filter((e) => 'key' in e && e.key === 'b').map((e) => e.type);
    const ready = forB.indexOf('worktree_ready');
    expect(ready === -1 || !forB.slice(ready).includes('worktree_released'), forB.join(' ')).toBe(true);
  });

  it('left by a kill -9: its release on resume never removes a worktree the user made for its branch elsewhere', async () => {
    const r = repo();
    const flag = oneSlot(r, [plain('b')]);
    const a = spawned(r);
    await a.waitFor('first: running');
    await until('the warm worktree of b', () => warmed(r, 'b'));
    a.child.kill('SIGKILL');
    await a.exit;
    // The user moves b's branch into a checkout of their own and starts working there.
    r.git('worktree', 'remove', '--force', '--force', warmPath(r, 'b'));
    const mine = join(r.root, 'mine');
    r.git('worktree', 'add', '--quiet', mine, 'fleet/b');
    writeFileSync(join(mine, 'mine.txt'), 'the user works here\n');
    writeFileSync(flag, '');
    const resumed = await runFleet(r.dir);
    const out = resumed.out + resumed.err;
    expect(r.git('worktree', 'list', '--porcelain'), out).toContain(`worktree ${mine}\n`);
    expect(readFileSync(join(mine, 'mine.txt'), 'utf8'), out).toBe('the user works here\n');
  });

  it('killed -9 while a warm checkout is half done: the next run merges every task once and archives nothing nobody wrote', async () => {
    const r = repo();
    slowCheckoutOf(r, 'b', 3);
    const flag = oneSlot(r, [plain('b')]);
    const a = spawned(r);
    await a.waitFor('first: running');
    await until('b being warmed', () => checkedOut(r, 'fleet/b')); // its files take 3 s to come
    a.child.kill('SIGKILL');
    await a.exit;
    writeFileSync(flag, '');
    const second = spawned(r);
    expect(await second.exit, second.out()).toBe(0);
    const log = r.git('log', '--first-parent', '--format=%B', 'main');
    for (const id of ['first', 'b']) expect(log.split(`Fleet-Task: ${id}\n`)).toHaveLength(2);
    expect(r.git('for-each-ref', 'refs/fleet/archive/'), second.out()).toBe('');
    expect(r.git('for-each-ref', 'refs/heads/fleet/')).toBe('');
    expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });
});
