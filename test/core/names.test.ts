import { describe, expect, it } from 'vitest';
import {
  archiveRef,
  branchName,
  branchRef,
  candidateArchiveRef,
  candidateBranchName,
  candidateWorktreePath,
  cleanArchiveRef,
  gateDirName,
  gatePath,
  lockReason,
  parseArchiveRef,
  parseBranch,
  parseBranchRef,
  parseLockReason,
  parseRunRef,
  parseTaskKey,
  parseWorktreePath,
  runRef,
  worktreePath,
} from '../../source/core/names.js';
import { newRunId } from '../../source/engine/host/paths.js';

const RUN = '20261125-154907-3fa2';
/** A run id whose last part is all digits: `_gate-<run>` must not read as `_gate-<shorter run>-<n>`. */
const DIGITS = '20261125-154907-1234';
const IDS = ['a', 'db-migrate', 'v1.2_x', '0', 'a'.repeat(63)];

describe('fleet names round-trip', () => {
  it('branches', () => {
    for (const id of IDS) {
      expect(branchName(id)).toBe(`fleet/${id}`);
      expect(parseBranchRef(branchRef(id))).toBe(id);
    }
  });

  it('task worktrees and gates, with and without an index', () => {
    for (const id of IDS) expect(parseWorktreePath(worktreePath('/src/api.worktrees', id))).toEqual({ kind: 'task', dir: '/src/api.worktrees', id });
    for (const run of [RUN, DIGITS, newRunId()]) {
      for (const n of [0, 1, 2, 10, 123]) {
        expect(parseWorktreePath(gatePath('/w', run, n))).toEqual({ kind: 'gate', dir: '/w', runId: run, n });
      }
    }
    expect(gateDirName(RUN)).toBe(`_gate-${RUN}`);
    expect(gateDirName(RUN, 2)).toBe(`_gate-${RUN}-2`);
  });

  it('candidates: branches, worktrees and archives', () => {
    for (const id of IDS) {
      for (const n of [1, 2, 8]) {
        expect(candidateBranchName(id, n)).toBe(`fleet/${id}@${n}`);
        expect(parseBranch(`refs/heads/${candidateBranchName(id, n)}`)).toEqual({ id, candidate: n });
        expect(parseBranchRef(`refs/heads/${candidateBranchName(id, n)}`)).toBe(id);
        expect(parseWorktreePath(candidateWorktreePath('/w', id, n))).toEqual({ kind: 'task', dir: '/w', id, candidate: n });
        expect(parseArchiveRef(candidateArchiveRef(id, RUN, 3, n))).toEqual({ id, runId: RUN, attempt: 3, candidate: n });
      }
    }
    expect(candidateArchiveRef('a', RUN, 2, 3)).toBe(`refs/fleet/archive/a/${RUN}-2@3`);
    expect(parseBranch(branchRef('a'))).toEqual({ id: 'a' });
  });

  it('per-run refs', () => {
    for (const kind of ['base', 'candidates', 'merged', 'review'] as const) {
      for (const id of IDS) expect(parseRunRef(runRef(RUN, kind, id))).toEqual({ runId: RUN, kind, id });
    }
    expect(runRef(RUN, 'base', 'a')).toBe(`refs/fleet/${RUN}/base/a`);
  });

  it('archives of an attempt and of clean', () => {
    for (const run of [RUN, DIGITS]) {
      for (const attempt of [1, 2, 17]) expect(parseArchiveRef(archiveRef('a', run, attempt))).toEqual({ id: 'a', runId: run, attempt });
      for (const n of [1, 2, 51]) expect(parseArchiveRef(cleanArchiveRef('a', run, n))).toEqual({ id: 'a', runId: run, clean: n });
    }
    expect(archiveRef('a', RUN, 3)).toBe(`refs/fleet/archive/a/${RUN}-3`);
    expect(cleanArchiveRef('a', RUN)).toBe(`refs/fleet/archive/a/${RUN}-clean`);
    expect(cleanArchiveRef('a', undefined, 2)).toBe('refs/fleet/archive/a/unknown-clean-2');
    expect(parseArchiveRef(cleanArchiveRef('a', undefined))).toEqual({ id: 'a', clean: 1 });
  });

  it('worktree lock reasons, with and without a project', () => {
    expect(lockReason(RUN, 'one')).toBe(`fleet run=${RUN} task=one`);
    expect(parseLockReason(lockReason(RUN, 'one'))).toEqual({ runId: RUN, key: 'one', id: 'one' });
    expect(parseLockReason(lockReason(RUN, 'web:one'))).toEqual({ runId: RUN, key: 'web:one', project: 'web', id: 'one' });
    expect(parseTaskKey('web:one')).toEqual({ project: 'web', id: 'one' });
    expect(lockReason(RUN, 'web:one', 3)).toBe(`fleet run=${RUN} task=web:one@3`);
    expect(parseLockReason(lockReason(RUN, 'web:one', 3))).toEqual({ runId: RUN, key: 'web:one', project: 'web', id: 'one', candidate: 3 });
  });
});

describe('hostile names do not parse', () => {
  const hostileIds = ['', '..', 'a..b', '-a', 'A', 'a/b', 'a b', 'a.lock', 'a.', '.a', '_gate', 'a\nb', 'a\u0000', 'ä', 'a'.repeat(64), 'x:y'];
  const hostileRuns = ['', 'r1', 'archive', '20261125-154907-3FA2', '20261125-154907-3fa2x', '2026112-154907-3fa2', `${RUN}/x`, `${RUN}\n`, '../..'];

  it('branches', () => {
    for (const id of hostileIds) expect(parseBranchRef(`refs/heads/fleet/${id}`), id).toBeUndefined();
    expect(parseBranchRef('fleet/a')).toBeUndefined(); // a short name is not a ref
    expect(parseBranchRef('refs/heads/other/a')).toBeUndefined();
    expect(parseBranchRef('refs/heads/fleet/a/b')).toBeUndefined();
    for (const tail of ['@0', '@9', '@01', '@', '@1@2', '@x', '@-1']) expect(parseBranchRef(`refs/heads/fleet/a${tail}`), tail).toBeUndefined();
    expect(parseBranchRef('refs/heads/fleet/@1')).toBeUndefined();
  });

  it('worktree paths', () => {
    for (const id of hostileIds.filter((i) => !i.includes('/'))) expect(parseWorktreePath(`/w/${id}`), id).toBeUndefined();
    for (const run of hostileRuns.filter((r) => !r.includes('/'))) expect(parseWorktreePath(`/w/_gate-${run}`), run).toBeUndefined();
    for (const tail of ['-0', '-01', '-', '-x', '-1-2', '-9999999999']) expect(parseWorktreePath(`/w/_gate-${RUN}${tail}`), tail).toBeUndefined();
  });

  it('per-run refs', () => {
    for (const id of hostileIds) expect(parseRunRef(`refs/fleet/${RUN}/base/${id}`), id).toBeUndefined();
    for (const run of hostileRuns) expect(parseRunRef(`refs/fleet/${run}/base/a`), run).toBeUndefined();
    for (const kind of ['', 'archive', 'merged/x', 'Base', 'heads']) expect(parseRunRef(`refs/fleet/${RUN}/${kind}/a`), kind).toBeUndefined();
    // Archives are not a run's refs.
    expect(parseRunRef(archiveRef('a', RUN, 1))).toBeUndefined();
  });

  it('archives', () => {
    for (const id of hostileIds) expect(parseArchiveRef(`refs/fleet/archive/${id}/${RUN}-1`), id).toBeUndefined();
    for (const run of hostileRuns) expect(parseArchiveRef(`refs/fleet/archive/a/${run}-1`), run).toBeUndefined();
    for (const tail of ['-0', '-01', '', '-', '-clean-1', '-clean-01', '-clean-', '-cleanx', '-clean-2-3', '-1/x']) {
      expect(parseArchiveRef(`refs/fleet/archive/a/${RUN}${tail}`), tail).toBeUndefined();
    }
    expect(parseArchiveRef('refs/fleet/archive/a/unknown-1')).toBeUndefined();
    for (const tail of ['-1@0', '-1@9', '-1@', '-1@01', '-@1', '-clean@1', '-1@1@1']) expect(parseArchiveRef(`refs/fleet/archive/a/${RUN}${tail}`), tail).toBeUndefined();
    expect(parseArchiveRef('refs/fleet/archive/a')).toBeUndefined();
  });

  it('lock reasons', () => {
    for (const key of [...hostileIds.filter((k) => k !== 'x:y'), 'a:b:c', ':a', 'a:', 'A:b']) expect(parseLockReason(`fleet run=${RUN} task=${key}`), key).toBeUndefined();
    for (const run of hostileRuns) expect(parseLockReason(`fleet run=${run} task=a`), run).toBeUndefined();
    for (const tail of ['@0', '@9', '@', '@1@2', '@x']) expect(parseLockReason(`fleet run=${RUN} task=a${tail}`), tail).toBeUndefined();
    for (const reason of [`fleet run=${RUN}  task=a`, ` fleet run=${RUN} task=a`, `fleet run=${RUN} task=a `, `fleet task=a run=${RUN}`, `fleet run=${RUN} task=a\nx`]) {
      expect(parseLockReason(reason), reason).toBeUndefined();
    }
  });

  it('builders refuse what their parser would refuse', () => {
    for (const id of hostileIds) {
      expect(() => branchName(id), id).toThrow();
      expect(() => worktreePath('/w', id), id).toThrow();
      expect(() => runRef(RUN, 'base', id), id).toThrow();
      expect(() => archiveRef(id, RUN, 1), id).toThrow();
    }
    for (const run of hostileRuns) {
      expect(() => gateDirName(run), run).toThrow();
      expect(() => runRef(run, 'base', 'a'), run).toThrow();
      expect(() => lockReason(run, 'a'), run).toThrow();
    }
    expect(() => gateDirName(RUN, -1)).toThrow();
    expect(() => gateDirName(RUN, 1.5)).toThrow();
    expect(() => archiveRef('a', RUN, 0)).toThrow();
    for (const n of [0, 9, 1.5]) {
      expect(() => candidateBranchName('a', n), String(n)).toThrow();
      expect(() => candidateWorktreePath('/w', 'a', n), String(n)).toThrow();
      expect(() => candidateArchiveRef('a', RUN, 1, n), String(n)).toThrow();
    }
    expect(() => candidateBranchName('A', 1)).toThrow();
    expect(() => cleanArchiveRef('a', RUN, 0)).toThrow();
    expect(() => lockReason(RUN, 'a b')).toThrow();
  });
});
