// `fleet clean`'s policy, case by case, on hand-made inventories: no git, no disk.
import { describe, expect, it } from 'vitest';
import type { StoredState, TaskRecord } from '../../source/core/state.js';
import type { CleanInventory, CleanRun, RepoSnapshot } from '../../source/engine/clean/model.js';
import { planClean } from '../../source/engine/clean/plan.js';
import { classifyWorktree } from '../../source/engine/host/inventory.js';
import type { LockOwner } from '../../source/engine/host/lock.js';
import type { WorktreeRecord } from '../../source/git/worktree-list.js';

const OLD = '20260101-000000-aaaa';
const NEW = '20260102-000000-bbbb';
const REPO = '/src/repo';
const WT = '/src/repo.worktrees';
const TIP = 't'.repeat(40);
const BASE = 'b'.repeat(40);
const DAY = 24 * 3600 * 1000;

function task(key: string, state: StoredState, extra: Partial<TaskRecord> = {}): TaskRecord {
  return { key, id: key, project: 'repo', title: key, dependsOn: [], agent: 'run', base: 'main', retries: 0, state, paused: false, attempt: 1, since: 0, archives: [], ...extra };
}

function run(runId: string, status: CleanRun['status'], tasks: TaskRecord[] = [], extra: Partial<CleanRun> = {}): CleanRun {
  const state = { runId, file: '/src/repo/fleet.yaml', startsPaused: false, order: tasks.map((t) => t.key), tasks: Object.fromEntries(tasks.map((t) => [t.key, t])) };
  return { runId, stateDir: '/src/repo/.git/fleet', file: state.file, fileExists: status !== 'abandoned', createdAt: 0, state, status, writable: true, inScope: true, ...extra };
}

function owner(runId: string): LockOwner {
  return { pid: 42, startTime: '1', host: 'h', file: '/src/repo/fleet.yaml', runId, stateDir: '/src/repo/.git/fleet', at: 0 };
}

/** A task worktree as fleet makes it: locked with its run and key, on fleet/<id>. */
function taskWorktree(runId: string, id: string, extra: Partial<WorktreeRecord> = {}): WorktreeRecord {
  return { path: `${WT}/${id}`, head: TIP, branch: `refs/heads/fleet/${id}`, detached: false, bare: false, locked: `fleet run=${runId} task=${id}`, ...extra };
}

function repo(worktrees: WorktreeRecord[], refs: [string, string][], extra: Partial<RepoSnapshot> = {}): RepoSnapshot {
  const all = [{ path: REPO, head: BASE, branch: 'refs/heads/main', detached: false, bare: false }, ...worktrees];
  const fleet = all.slice(1).flatMap((w) => classifyWorktree(w, new Set([WT])) ?? []);
  const facts = new Map(fleet.filter((w) => w.kind === 'task').map((w) => [w.path, { exists: true, clean: true, head: TIP }]));
  return { commonDir: `${REPO}/.git`, topLevel: REPO, refs: new Map(refs), worktrees: all, fleet, facts, canonical: new Map(), containing: new Map(), archiveMade: new Map(), prunable: [], ...extra };
}

function plan(repos: RepoSnapshot[], runs: CleanRun[], extra: Partial<CleanInventory> = {}) {
  const result = planClean({ runs, live: [], repos, cwd: '/home/me', now: 1000 * DAY, ...extra });
  return { ...result, would: result.actions.map((a) => a.would) };
}

describe('clean planner', () => {
  it('keeps an unfinished run’s started tasks and says how to resume it', () => {
    const r = run(OLD, 'unfinished', [task('a', 'failed'), task('b', 'review')]);
    const p = plan([repo([taskWorktree(OLD, 'a'), taskWorktree(OLD, 'b')], [['refs/heads/fleet/a', TIP], ['refs/heads/fleet/b', TIP], [`refs/fleet/${OLD}/base/a`, BASE]])], [r]);
    expect(p.actions).toEqual([]);
    expect(p.notes).toEqual([`run ${OLD} is unfinished: kept its 2 worktrees, 1 ref; resume it with \`fleet run -f ${r.file}\`, or archive its work and start over with \`fleet run --fresh -f ${r.file}\``]);
  });

  it('removes a merged task’s worktree, its change being in base, and records the pending cleanup', () => {
    const r = run(OLD, 'finished', [task('a', 'merged', { attempt: 2, worktree: `${WT}/a`, cleanupPending: 'busy', passedTip: TIP })]);
    const p = plan([repo([taskWorktree(OLD, 'a')], [['refs/heads/fleet/a', TIP]])], [r]);
    expect(p.would).toEqual([`remove worktree ${WT}/a and branch fleet/a (run ${OLD} finished), with nothing to archive: its commits are in main (squash-merged)`]);
    expect(p.actions[0]).toMatchObject({ kind: 'remove-worktree', branch: 'fleet/a', archiveRef: `refs/fleet/archive/a/${OLD}-2`, record: { run: r, key: 'a' } });
    // A commit made on the branch after its check passed never merged: it is archived.
    const beyond = run(OLD, 'finished', [task('a', 'merged', { attempt: 2, worktree: `${WT}/a`, cleanupPending: 'busy', passedTip: BASE })]);
    expect(plan([repo([taskWorktree(OLD, 'a')], [['refs/heads/fleet/a', TIP]])], [beyond]).would).toEqual([
      `remove worktree ${WT}/a and branch fleet/a (run ${OLD} finished), archiving its work at refs/fleet/archive/a/${OLD}-2`,
    ]);
  });

  it('archives a failed task’s work under its attempt, or only what is uncommitted when its commits are kept elsewhere', () => {
    const r = run(OLD, 'superseded', [task('a', 'failed')]);
    expect(plan([repo([taskWorktree(OLD, 'a')], [['refs/heads/fleet/a', TIP]])], [r]).would).toEqual([
      `remove worktree ${WT}/a and branch fleet/a (run ${OLD} was superseded), archiving its work at refs/fleet/archive/a/${OLD}-1`,
    ]);
    const s = repo([taskWorktree(OLD, 'a')], [['refs/heads/fleet/a', TIP]], { containing: new Map([[TIP, ['refs/heads/fleet/a', `refs/fleet/${OLD}/base/a`, 'refs/heads/keep']]]) });
    expect(plan([s], [r]).would).toEqual([`remove worktree ${WT}/a and branch fleet/a (run ${OLD} was superseded), with nothing to archive: its commits are in keep`]);
    s.facts.set(`${WT}/a`, { exists: true, clean: false, head: TIP });
    expect(plan([s], [r]).would[0]).toContain(`archiving its work at refs/fleet/archive/a/${OLD}-1`);
  });

  it('stops the processes of a task that was still running when its run ended', () => {
    const r = run(OLD, 'superseded', [task('a', 'running', { pid: 7 })]);
    expect(plan([repo([taskWorktree(OLD, 'a')], [])], [r]).actions[0]).toMatchObject({ stop: { runId: OLD, task: { key: 'a', pid: 7 } } });
  });

  it('leaves a live run alone, its gate included, and removes the gate of a run that is not running', () => {
    const live = run(NEW, 'live', [task('a', 'running')], { live: owner(NEW) });
    const gate = (runId: string, n: number): WorktreeRecord => ({ path: `${WT}/_gate-${runId}${n ? `-${n}` : ''}`, head: BASE, detached: true, bare: false });
    const s = repo([taskWorktree(NEW, 'a'), gate(NEW, 0), gate(NEW, 1), gate(OLD, 2)], [['refs/heads/fleet/a', TIP], [`refs/fleet/${NEW}/base/a`, BASE]]);
    const p = plan([s], [live], { live: [owner(NEW)] });
    expect(p.would).toEqual([`remove merge gate worktree ${WT}/_gate-${OLD}-2 (run ${OLD} is not running)`]);
    expect(p.notes).toEqual([`left run ${NEW} alone: it is running (pid 42); kept its 3 worktrees, 1 ref`]);
  });

  it('leaves a whole repository alone when a live fleet holds it whose run cannot be read', () => {
    const p = plan([repo([taskWorktree(NEW, 'a')], [['refs/heads/fleet/a', TIP]], { lockOwner: owner(NEW) })], [], { live: [owner(NEW)] });
    expect(p.actions).toEqual([]);
    expect(p.notes).toEqual([`left ${REPO} alone: a live fleet (pid 42, run ${NEW}) holds it and its run cannot be read`]);
  });

  it('keeps the worktree the user stands in', () => {
    const p = plan([repo([taskWorktree(OLD, 'a')], [])], [run(OLD, 'finished', [task('a', 'merged')])], { cwd: `${WT}/a/src` });
    expect(p.actions).toEqual([]);
    expect(p.notes).toEqual([`kept ${WT}/a: you are in it; run \`fleet clean\` from elsewhere to remove it`]);
  });

  it('deletes a branch no run owns, archiving it as unknown, and never one checked out in a worktree fleet did not make', () => {
    const mine: WorktreeRecord = { path: '/src/mine', head: TIP, branch: 'refs/heads/fleet/held', detached: false, bare: false };
    const s = repo([mine], [['refs/heads/fleet/ghost', TIP], ['refs/heads/fleet/held', TIP]]);
    const p = plan([s], []);
    expect(p.would).toEqual(['delete branch fleet/ghost (no run on record owns it), archiving its commits at refs/fleet/archive/ghost/unknown-clean']);
    expect(p.notes).toEqual(['kept branch fleet/held: it is checked out in /src/mine, which fleet did not make']);
  });

  it('picks the next free archive name when the attempt’s is taken', () => {
    const r = run(OLD, 'finished', [task('a', 'failed')]);
    const taken = `refs/fleet/archive/a/${OLD}-1`;
    const p = plan([repo([taskWorktree(OLD, 'a')], [['refs/heads/fleet/a', TIP], [taken, TIP], [`refs/fleet/archive/a/${OLD}-clean`, TIP]])], [r]);
    expect(p.actions[0]).toMatchObject({ archiveRef: `refs/fleet/archive/a/${OLD}-clean-2` });
  });

  it('deletes a finished run’s working refs but keeps merged/*; an unfinished run loses only its merged tasks’ base and candidate', () => {
    const refs: [string, string][] = [
      [`refs/fleet/${OLD}/base/a`, BASE],
      [`refs/fleet/${OLD}/review/a`, TIP],
      [`refs/fleet/${OLD}/merged/b`, TIP],
      [`refs/fleet/${NEW}/base/b`, BASE],
      [`refs/fleet/${NEW}/candidates/b`, TIP],
      [`refs/fleet/${NEW}/base/c`, BASE],
    ];
    const p = plan([repo([], refs)], [run(OLD, 'finished'), run(NEW, 'unfinished', [task('b', 'merged'), task('c', 'failed')])]);
    expect(p.would).toEqual([
      `delete refs/fleet/${OLD}/base/a, refs/fleet/${OLD}/review/a (run ${OLD} finished); kept refs/fleet/${OLD}/merged/*`,
      `delete refs/fleet/${NEW}/base/b, refs/fleet/${NEW}/candidates/b (run ${NEW} is unfinished; these belong to merged tasks)`,
    ]);
    expect(p.notes).toEqual([expect.stringContaining(`run ${NEW} is unfinished: kept its 1 ref`)]);
  });

  it('touches no name fleet could not have made', () => {
    const hostile: [string, string][] = [
      [`refs/fleet/${OLD}/base/a/b`, BASE],
      [`refs/fleet/${OLD}/base/A`, BASE],
      [`refs/fleet/not-a-run/base/a`, BASE],
      ['refs/fleet/archive/a', TIP],
      ['refs/fleet/archive/a/mine', TIP],
      ['refs/heads/fleet/Upper', TIP],
      ['refs/heads/fleet/a/b', TIP],
    ];
    const odd: WorktreeRecord[] = [
      { path: `${WT}/_gate-x`, head: BASE, detached: true, bare: false },
      { path: `${WT}/x`, head: TIP, branch: 'refs/heads/main', detached: false, bare: false, locked: 'fleet run=x task=x' },
    ];
    const s = repo(odd, hostile, { archiveMade: new Map(hostile.map(([ref]) => [ref, 0])) });
    expect(s.fleet).toEqual([]);
    expect(plan([s], [run(OLD, 'finished')], { archivesOlderThan: { ms: DAY, text: '1d' } }).actions).toEqual([]);
  });

  it('expires archives older than the given age, except a live run’s', () => {
    const old = `refs/fleet/archive/a/${OLD}-1`;
    const live = `refs/fleet/archive/b/${NEW}-1`;
    const young = `refs/fleet/archive/c/${OLD}-clean`;
    const s = repo([], [[old, TIP], [live, TIP], [young, TIP]], { archiveMade: new Map([[old, 0], [live, 0], [young, 999.5 * DAY]]) });
    const p = plan([s], [], { live: [owner(NEW)], archivesOlderThan: { ms: DAY, text: '1d' } });
    expect(p.would).toEqual([`delete archive ${old} (made 1970-01-01, older than 1d)`]);
    expect(plan([s], []).actions).toEqual([]); // without the option, archives never expire
  });

  it('prunes only when every prunable worktree record is fleet’s', () => {
    const gone = taskWorktree(OLD, 'a', { prunable: 'gitdir file points to non-existent location' });
    const r = run(OLD, 'finished', [task('a', 'failed')]);
    expect(plan([repo([gone], [], { prunable: ['worktrees/a'] })], [r]).would.at(-1)).toBe(`run git worktree prune in ${REPO} (worktrees/a)`);
    const foreign: WorktreeRecord = { path: '/src/elsewhere', head: TIP, detached: true, bare: false, prunable: 'gone' };
    const p = plan([repo([gone, foreign], [], { prunable: ['worktrees/a', 'worktrees/elsewhere'] })], [r]);
    expect(p.actions.map((a) => a.kind)).toEqual(['remove-worktree']);
    expect(p.notes[0]).toContain('did not run git worktree prune');
  });

  it('marks an abandoned run superseded, last, and only when clean holds its lock', () => {
    const r = run(OLD, 'abandoned', [task('a', 'failed')]);
    const p = plan([repo([taskWorktree(OLD, 'a')], [])], [r]);
    expect(p.actions.map((a) => a.kind)).toEqual(['remove-worktree', 'supersede']);
    expect(p.actions[1]).toMatchObject({ run: r, would: `mark run ${OLD} as superseded: its fleet file ${r.file} is gone, so nothing can resume it` });
    expect(plan([repo([], [])], [{ ...r, writable: false }]).actions).toEqual([]);
  });

  it('keeps unattributed branches and worktrees while a run in scope cannot be read', () => {
    const damaged = run(OLD, 'damaged', [], { state: undefined, damaged: 'bad json' });
    const stray = { ...taskWorktree(OLD, 'a'), locked: undefined };
    const p = plan([repo([stray], [['refs/heads/fleet/a', TIP], ['refs/heads/fleet/b', TIP]])], [damaged]);
    expect(p.actions).toEqual([]);
    expect(p.notes).toEqual([`kept 1 worktree, 1 branch of run ${OLD}: its journal cannot be read (bad json)`]);
  });
});
