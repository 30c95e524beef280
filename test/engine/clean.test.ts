import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanCommand, parseAge, type CleanOptions } from '../../source/commands/clean.js';
import { UserError } from '../../source/commands/support/user-error.js';
import { readLock } from '../../source/engine/host/lock.js';
import { stateDirFor } from '../../source/engine/host/paths.js';
import { listRegistered, registerRun, registryPath } from '../../source/engine/host/registry.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, Capture, lastRun, runFleet, startRun, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();
afterEach(() => rmSync(dirname(registryPath()), { recursive: true, force: true }));

async function clean(dir: string, options: Partial<CleanOptions> = {}): Promise<{ code: number; out: string }> {
  const out = new Capture();
  const code = await cleanCommand({ cwd: dir, stdout: out, stderr: out, ...options });
  return { code, out: out.text };
}

/** Everything clean could change in git: every ref, every worktree record (with lock and prunable lines). */
function gitSnapshot(r: TempRepo): string {
  return `${r.git('for-each-ref', '--format=%(objectname) %(refname)')}\n--\n${r.git('worktree', 'list', '--porcelain')}`;
}

function refsUnder(r: TempRepo, prefix: string): string[] {
  return r.git('for-each-ref', '--format=%(refname)', prefix).split('\n').filter(Boolean);
}

function worktreePaths(r: TempRepo): string[] {
  return r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9));
}

/** A pid that certainly belongs to no running process: a shell that has already exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}


const REVIEW_AND_FAILED = `version: 1
concurrency: 2
defaults: { retries: 0 }
tasks:
  - { id: first, run: "${agent('edit', 'README.md', 'first title')}" }
  - { id: second, run: "${agent('edit', 'README.md', 'second title', '0.8')}" }
  - { id: broken, run: "echo half-done > wip.txt; exit 3" }
`;

describe('fleet clean', () => {
  it('keeps an unfinished run and says how to resume it; once --fresh supersedes it, removes its leftover refs but keeps merged/*', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, REVIEW_AND_FAILED);
    expect((await runFleet(r.dir)).code).toBe(1);
    const old = await lastRun(r.dir);
    expect(old.tasks.second!.state).toBe('review');
    expect(old.tasks.broken!.state).toBe('failed');

    const before = gitSnapshot(r);
    const kept = await clean(r.dir);
    expect(kept.code, kept.out).toBe(0);
    expect(kept.out).toContain(`run ${old.runId} is unfinished: kept its 2 worktrees`);
    expect(kept.out).toContain('fleet run --fresh');
    expect(gitSnapshot(r)).toBe(before);
    expect(existsSync(old.tasks.broken!.worktree!)).toBe(true);

    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: next, run: "${agent('edit', 'next.txt', 'n')}" }\n`);
    const fresh = await runFleet(r.dir, { fresh: true });
    expect(fresh.code, fresh.out + fresh.err).toBe(0);
    const leftovers = refsUnder(r, `refs/fleet/${old.runId}/`);
    expect(leftovers).toContain(`refs/fleet/${old.runId}/review/second`);
    expect(leftovers).toContain(`refs/fleet/${old.runId}/base/broken`);

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toMatch(new RegExp(`deleted .*refs/fleet/${old.runId}/review/second.* \\(run ${old.runId} was superseded\\); kept refs/fleet/${old.runId}/merged/\\*`));
    expect(refsUnder(r, `refs/fleet/${old.runId}/`)).toEqual([`refs/fleet/${old.runId}/merged/first`]);
    // The superseded run's work stays archived; nothing of fleet's is left in git.
    expect(r.git('show', `refs/fleet/archive/broken/${old.runId}-1:wip.txt`)).toBe('half-done');
    expect(refsUnder(r, 'refs/heads/fleet/')).toEqual([]);
    expect(worktreePaths(r)).toEqual([r.dir]);
    expect((await clean(r.dir)).out).toBe('nothing to clean\n');
  });

  it('--dry-run says what it would do and changes nothing', async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFleet(r.dir, REVIEW_AND_FAILED);
    await runFleet(r.dir);
    const run = await lastRun(r.dir);
    unlinkSync(join(r.dir, 'fleet.yaml')); // the run can never be resumed now
    const stateDir = await stateDirFor(join(r.dir, 'fleet.yaml'));
    const lock = join(stateDir, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), startTime: '1', host: hostname(), file: 'x', runId: 'old', stateDir, at: 0 }));
    const journal = readFileSync(join(stateDir, 'runs', run.runId, 'journal.jsonl'), 'utf8');
    const before = gitSnapshot(r);

    const dry = await clean(r.dir, { dryRun: true });
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(`would remove stale lock ${lock}`);
    expect(dry.out).toMatch(/would remove worktree .*\/broken and branch fleet\/broken \(.*fleet file .* is gone\), archiving its work at refs\/fleet\/archive\/broken\//);
    expect(dry.out).toContain(`would mark run ${run.runId} as superseded`);
    expect(dry.out).toContain('(dry run: nothing was changed)');
    expect(gitSnapshot(r)).toBe(before);
    expect(existsSync(lock)).toBe(true);
    expect(readFileSync(join(stateDir, 'runs', run.runId, 'journal.jsonl'), 'utf8')).toBe(journal);
    expect(existsSync(run.tasks.broken!.worktree!)).toBe(true);

    const real = await clean(r.dir);
    expect(real.code, real.out).toBe(0);
    // Each line it would have printed is now done.
    for (const line of dry.out.split('\n').filter((l) => l.startsWith('would '))) {
      const what = line.slice('would '.length).split(' ').slice(0, 3).join(' ');
      expect(real.out).toContain(what.replace(/^remove/, 'removed').replace(/^mark/, 'marked').replace(/^delete/, 'deleted'));
    }
    expect(gitSnapshot(r)).not.toBe(before);
    expect(existsSync(lock)).toBe(false);
  });

  it("finds a deleted fleet file's leftovers: archives uncommitted work, removes worktrees and branches, and unblocks the repository", async () => {
    const r = repo({ files: { 'README.md': 'title\n' } });
    writeFileSync(join(r.dir, 'old.yaml'), REVIEW_AND_FAILED);
    expect((await runFleet(r.dir, { file: join(r.dir, 'old.yaml') })).code).toBe(1);
    unlinkSync(join(r.dir, 'old.yaml'));
    // An unfinished run of another file blocks this one...
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: later, run: "${agent('edit', 'later.txt', 'l')}" }\n`);
    const blocked = await runFleet(r.dir);
    expect(blocked.code).toBe(3);
    expect(blocked.err).toContain('is unfinished in this repository');

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    const runId = /mark(?:ed)? run (\S+) as superseded/.exec(cleaned.out)![1]!;
    expect(cleaned.out).toContain(`removed worktree ${r.root}/repo.worktrees/broken and branch fleet/broken`);
    expect(cleaned.out).toContain(`removed worktree ${r.root}/repo.worktrees/second and branch fleet/second`);
    expect(r.git('show', `refs/fleet/archive/broken/${runId}-1:wip.txt`)).toBe('half-done');
    expect(r.git('show', `refs/fleet/archive/second/${runId}-1:README.md`)).toBe('second title');
    expect(refsUnder(r, 'refs/heads/fleet/')).toEqual([]);
    expect(worktreePaths(r)).toEqual([r.dir]);

    // ...and no longer does.
    const unblocked = await runFleet(r.dir);
    expect(unblocked.code, unblocked.out + unblocked.err).toBe(0);
    expect(r.git('show', 'main:later.txt')).toBe('l');
  });

  it('prunes a worktree whose directory was deleted by hand, archiving its branch', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0, check: "false" }\ntasks:\n  - { id: gone, run: "${agent('edit', 'gone.txt', 'precious')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(1);
    const run = await lastRun(r.dir);
    rmSync(run.tasks.gone!.worktree!, { recursive: true, force: true });
    // fleet's own record of the run is gone too (the user reset .git/fleet): nothing on record owns the worktree.
    rmSync(await stateDirFor(join(r.dir, 'fleet.yaml')), { recursive: true, force: true });
    expect(worktreePaths(r)).toContain(run.tasks.gone!.worktree!);

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toContain(`run ${run.runId} is not on record; its directory is already gone`);
    expect(r.git('show', `refs/fleet/archive/gone/${run.runId}-clean:gone.txt`)).toBe('precious');
    expect(worktreePaths(r)).toEqual([r.dir]);
    expect(r.git('worktree', 'prune', '-n', '-v')).toBe('');
    expect(refsUnder(r, 'refs/heads/fleet/')).toEqual([]);
    expect(refsUnder(r, `refs/fleet/${run.runId}/`)).toEqual([]);
  });

  it("never touches a live run's worktree, branch, refs or lock, while cleaning what no run owns", async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '60', 'slow.txt')}" }\n`);
    // Work nobody owns: a fleet branch with a commit that is nowhere else.
    const ghost = r.git('commit-tree', r.git('rev-parse', 'HEAD^{tree}'), '-p', 'HEAD', '-m', 'ghost work');
    r.git('update-ref', 'refs/heads/fleet/ghost', ghost);
    const run = startRun(r.dir, 'slow │ working 0');
    try {
      await run.seen;
      const state = await lastRun(r.dir);
      const lockFile = join(await stateDirFor(join(r.dir, 'fleet.yaml')), 'lock');
      const lockBefore = readFileSync(lockFile, 'utf8');
      const mine = [`refs/fleet/${state.runId}/base/slow`, 'refs/heads/fleet/slow'];
      const tips = mine.map((ref) => r.git('rev-parse', ref));

      const cleaned = await clean(r.dir);
      expect(cleaned.code, cleaned.out).toBe(0);
      expect(cleaned.out).toContain(`left run ${state.runId} alone: it is running (pid ${process.pid})`);
      expect(cleaned.out).toContain('deleted branch fleet/ghost (no run on record owns it); its commits are archived at refs/fleet/archive/ghost/unknown-clean');
      expect(mine.map((ref) => r.git('rev-parse', ref))).toEqual(tips);
      expect(existsSync(state.tasks.slow!.worktree!)).toBe(true);
      expect(r.git('worktree', 'list', '--porcelain')).toContain(`locked fleet run=${state.runId} task=slow`);
      expect(readFileSync(lockFile, 'utf8')).toBe(lockBefore);
      expect(readLock(lockFile)?.runId).toBe(state.runId);
      expect(r.git('rev-parse', 'refs/fleet/archive/ghost/unknown-clean')).toBe(ghost);
    } finally {
      run.abort.abort();
      await run.done;
    }
  });

  it("leaves the user's main checkout byte-identical: dirty, staged and untracked files, index and HEAD", async () => {
    const r = repo({ files: { 'README.md': 'title\n', 'notes.md': 'notes\n', 'staged.md': 'v1\n' } });
    writeFileSync(join(r.dir, 'gone.yaml'), REVIEW_AND_FAILED);
    await runFleet(r.dir, { file: join(r.dir, 'gone.yaml') });
    unlinkSync(join(r.dir, 'gone.yaml'));
    r.write('notes.md', 'my uncommitted notes\n');
    r.write('staged.md', 'v2 staged\n');
    r.git('add', 'staged.md');
    r.write('scratch/untracked.txt', 'untracked\n');
    mkdirSync(join(r.dir, 'node_modules'));
    r.write('.gitignore', 'node_modules/\n');
    const status = r.git('status', '--porcelain', '--ignored');
    const files = ['README.md', 'notes.md', 'staged.md', 'scratch/untracked.txt', '.gitignore'].map((f) => r.read(f));
    const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    const index = hash(join(r.dir, '.git', 'index'));
    const head = readFileSync(join(r.dir, '.git', 'HEAD'), 'utf8');
    const headSha = r.git('rev-parse', 'HEAD');

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toContain('removed worktree');
    expect(hash(join(r.dir, '.git', 'index'))).toBe(index);
    expect(readFileSync(join(r.dir, '.git', 'HEAD'), 'utf8')).toBe(head);
    expect(r.git('rev-parse', 'HEAD')).toBe(headSha);
    expect(['README.md', 'notes.md', 'staged.md', 'scratch/untracked.txt', '.gitignore'].map((f) => r.read(f))).toEqual(files);
    expect(r.git('status', '--porcelain', '--ignored')).toBe(status);
  });

  it('finishes a merged task whose cleanup was pending: leftovers archived, worktree and branch removed, recorded in the run', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    expect((await runFleet(r.dir)).code).toBe(0);
    const run = await lastRun(r.dir);
    // As if removing the worktree had failed after the merge: it is still there, with a stray file.
    const path = join(r.root, 'repo.worktrees', 'one');
    r.git('update-ref', 'refs/heads/fleet/one', run.tasks.one!.mergedCommit!);
    r.git('worktree', 'add', '--lock', '--reason', `fleet run=${run.runId} task=one`, path, 'fleet/one');
    writeFileSync(join(path, 'stray.log'), 'left behind\n');
    const journal = join(await stateDirFor(join(r.dir, 'fleet.yaml')), 'runs', run.runId, 'journal.jsonl');
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}${JSON.stringify({ type: 'cleanup_failed', key: 'one', message: 'disk busy', at: Date.now() })}\n`);
    expect((await lastRun(r.dir)).tasks.one!.cleanupPending).toBe('disk busy');

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toContain(`removed worktree ${path} and branch fleet/one (run ${run.runId} finished)`);
    expect(cleaned.out).toContain(`recorded in run ${run.runId} that the cleanup of one is done`);
    const archive = `refs/fleet/archive/one/${run.runId}-1`;
    expect(r.git('show', `${archive}:stray.log`)).toBe('left behind');
    expect(existsSync(path)).toBe(false);
    expect(refsUnder(r, 'refs/heads/fleet/')).toEqual([]);
    expect((await lastRun(r.dir)).tasks.one!.cleanupPending).toBeUndefined();
  });

  it('deletes archives only when asked, and only those older than the given age', async () => {
    const r = repo();
    const head = r.git('rev-parse', 'HEAD');
    const env = { ...process.env, GIT_COMMITTER_DATE: '2020-01-02T03:04:05Z' };
    execFileSync('git', ['update-ref', '--create-reflog', '-m', 'old archive', 'refs/fleet/archive/a/20200102-030405-aaaa-1', head], { cwd: r.dir, env });
    r.git('update-ref', '--create-reflog', '-m', 'new archive', 'refs/fleet/archive/b/20261125-000000-bbbb-1', head);
    const archives = () => refsUnder(r, 'refs/fleet/archive/');

    expect((await clean(r.dir)).out).toBe('nothing to clean\n');
    expect(archives()).toHaveLength(2);
    const dry = await clean(r.dir, { archivesOlderThan: '30d', dryRun: true });
    expect(dry.out).toContain('would delete archive refs/fleet/archive/a/20200102-030405-aaaa-1 (made 2020-01-02, older than 30d)');
    expect(archives()).toHaveLength(2);
    const cleaned = await clean(r.dir, { archivesOlderThan: '30d' });
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toBe('deleted archive refs/fleet/archive/a/20200102-030405-aaaa-1 (made 2020-01-02, older than 30d)\n');
    expect(archives()).toEqual(['refs/fleet/archive/b/20261125-000000-bbbb-1']);

    await expect(clean(r.dir, { archivesOlderThan: '30' })).rejects.toBeInstanceOf(UserError);
    expect(parseAge('30d')).toBe(30 * 24 * 3600 * 1000);
    expect(parseAge('1w2d')).toBe(9 * 24 * 3600 * 1000);
    expect(parseAge('soon')).toBeUndefined();
  });

  it('--all cleans every registered repository, here a deleted multi-project file outside them, and forgets entries that are gone', async () => {
    const api = repo();
    const web = repo();
    const plan = join(api.root, 'plan');
    mkdirSync(plan);
    writeFileSync(
      join(plan, 'fleet.yaml'),
      `version: 1\ndefaults: { retries: 0 }\nprojects:\n  api:\n    path: ${api.dir}\n    tasks:\n      - { id: ok, run: "${agent('edit', 'ok.txt', 'ok')}" }\n  web:\n    path: ${web.dir}\n    tasks:\n      - { id: bad, run: "echo unsaved > draft.txt; exit 5" }\n`,
    );
    expect((await runFleet(plan)).code).toBe(1);
    const run = await lastRun(plan);
    const stateDir = await stateDirFor(join(plan, 'fleet.yaml'));
    expect(stateDir).toBe(join(plan, '.fleet'));
    registerRun({ file: join(plan, 'fleet.yaml'), stateDir, repos: [api.dir, web.dir], lastRunId: run.runId });
    registerRun({ file: '/gone/fleet.yaml', stateDir: '/gone/.fleet', repos: ['/gone'], lastRunId: 'x' });
    unlinkSync(join(plan, 'fleet.yaml'));

    // From the api repository alone, web's worktree is out of scope; from nowhere, nothing is in scope.
    expect((await clean(api.dir, { dryRun: true })).out).not.toContain(web.root);
    await expect(clean(join(api.root, 'plan'))).rejects.toThrow('this is not inside a git repository');

    const cleaned = await clean(plan, { all: true });
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toContain('forgot /gone/fleet.yaml in the registry');
    expect(cleaned.out).toContain(`removed worktree ${web.root}/repo.worktrees/bad and branch fleet/bad`);
    expect(cleaned.out).toContain(`marked run ${run.runId} as superseded`);
    expect(web.git('show', `refs/fleet/archive/bad/${run.runId}-1:draft.txt`)).toBe('unsaved');
    expect(worktreePaths(web)).toEqual([web.dir]);
    expect(refsUnder(web, 'refs/heads/fleet/')).toEqual([]);
    expect(refsUnder(api, `refs/fleet/${run.runId}/`)).toEqual([`refs/fleet/${run.runId}/merged/ok`]);
    expect(listRegistered().map((e) => e.file)).toEqual([join(plan, 'fleet.yaml')]);
  });

  it('keeps everything of a run whose journal cannot be read, since nobody can tell what it owns', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: broken, run: "echo wip > wip.txt; exit 3" }\n`);
    await runFleet(r.dir);
    const run = await lastRun(r.dir);
    const journal = join(await stateDirFor(join(r.dir, 'fleet.yaml')), 'runs', run.runId, 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, [lines[0], '{"type": garbage', ...lines.slice(1)].join('\n'));
    unlinkSync(join(r.dir, 'fleet.yaml'));
    const before = gitSnapshot(r);

    const cleaned = await clean(r.dir);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toContain(`kept 1 worktree, 1 ref of run ${run.runId}: its journal cannot be read`);
    expect(gitSnapshot(r)).toBe(before);
  });

  it('outside any repository, says where to run it', async () => {
    const r = repo();
    const outside = join(r.root, 'elsewhere');
    mkdirSync(outside);
    await expect(clean(outside)).rejects.toThrow('this is not inside a git repository');
  });
});
