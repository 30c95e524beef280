// Choosing the winner among a task's candidates (docs/config.md#candidates): the rule, and the
// judge command with its timeout and its fallback to first-pass.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CandidateRecord } from '../../core/candidates.js';
import type { DiffStat, PickedBy } from '../../core/events.js';
import type { CandidatesSpec } from '../../core/fleet.js';
import { git } from '../../git/exec.js';

export const JUDGE_TIMEOUT_MS = 5 * 60_000;

export interface Choice {
  candidate: number;
  by: PickedBy;
  note?: string;
}

/** `git diff --shortstat` between a candidate's base and its tip. */
export async function diffStat(repo: string, base: string, tip: string): Promise<DiffStat> {
  const out = (await git(repo, ['diff', '--shortstat', base, tip])).stdout;
  const number = (word: RegExp) => Number(word.exec(out)?.[1] ?? 0);
  return { files: number(/(\d+) files? changed/), insertions: number(/(\d+) insertions?/), deletions: number(/(\d+) deletions?/) };
}

/** The candidate whose check passed first (the lower number on a tie). */
export function firstPass(passed: CandidateRecord[]): number {
  const at = (c: CandidateRecord) => c.finishedAt ?? Number.MAX_SAFE_INTEGER;
  return [...passed].sort((a, b) => at(a) - at(b) || a.n - b.n)[0]!.n;
}

export function smallestDiff(passed: CandidateRecord[]): number {
  const size = (c: CandidateRecord) => (c.diff ? c.diff.insertions + c.diff.deletions : Number.MAX_SAFE_INTEGER);
  return [...passed].sort((a, b) => size(a) - size(b) || a.n - b.n)[0]!.n;
}

/**
 * The rule of `spec` over the candidates that passed (`all` is every candidate, for the judge's
 * file). A judge that fails, times out or names no passing candidate falls back to first-pass,
 * and the choice says why.
 */
export async function choose(
  spec: CandidatesSpec,
  all: CandidateRecord[],
  passed: CandidateRecord[],
  judge: { cwd: string; logDir: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Choice> {
  if (spec.pick === 'smallest-diff') return { candidate: smallestDiff(passed), by: 'smallest-diff' };
  if (spec.pick !== 'judge' || spec.judge === undefined || passed.length === 1) return { candidate: firstPass(passed), by: 'first-pass' };
  const file = join(judge.logDir, 'candidates.json');
  mkdirSync(judge.logDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(all.map(judgeEntry), null, 2)}\n`);
  const verdict = await runJudge(spec.judge, { ...judge, env: { ...judge.env, FLEET_CANDIDATES_FILE: file } });
  const n = verdict.ok ? Number(verdict.stdout.trim().split('\n').at(-1)?.trim()) : NaN;
  if (passed.some((c) => c.n === n)) return { candidate: n, by: 'judge' };
  const why = verdict.ok ? `it printed ${JSON.stringify(verdict.stdout.trim().slice(-40))}, not the number of a candidate that passed` : verdict.error;
  return { candidate: firstPass(passed), by: 'first-pass', note: `the judge failed (${why}); picked by first-pass` };
}

/** What the judge reads for one candidate (docs/config.md#candidates). */
function judgeEntry(c: CandidateRecord) {
  return {
    number: c.n,
    agent: c.agent,
    branch: c.branch ?? null,
    check: c.state === 'passed' ? 'passed' : c.state,
    diff: c.diff ?? null,
    tokens: c.tokens ?? null,
    costUsd: c.costUsd ?? null,
    message: c.message ?? null,
  };
}

function runJudge(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? JUDGE_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, stdout });
        const detail = error.killed ? 'timed out' : `exit ${String(error.code ?? error.signal)}`;
        const last = stderr.trim().split('\n').at(-1);
        resolve({ ok: false, error: last ? `${detail}: ${last.slice(0, 120)}` : detail });
      },
    );
  });
}
