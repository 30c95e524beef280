// Best-of-N in the store: what each candidate of a task did, and which one won. Pure, like the
// reducer that calls it (state.ts); the engine side is engine/fan-out/candidates.ts.
import type { CandidateState, DiffStat, EventOf, PickedBy } from './events.js';
import type { StoredState, TaskRecord } from './state.js';

export interface CandidateRecord {
  n: number;
  agent: string;
  state: CandidateState;
  /** The task attempt this candidate last ran in. */
  attempt: number;
  worktree?: string;
  branch?: string;
  baseSha?: string;
  tip?: string;
  diff?: DiffStat;
  message?: string;
  tokens?: { input: number; output: number };
  costUsd?: number;
  /** When its check passed or it failed: first-pass means the earliest pass. */
  finishedAt?: number;
  /** Set once its worktree and branch are gone, kept at this ref. */
  archived?: string;
}

export interface Picked {
  candidate: number;
  by: PickedBy;
  /** Why the rule was not followed as written (a judge that failed), shown with the pick. */
  note?: string;
}

type CandidateEvent = EventOf<'candidates_started' | 'candidate_update' | 'candidate_finished' | 'candidate_picked' | 'candidate_archived'>;

export function reduceCandidates(
  t: TaskRecord,
  event: CandidateEvent,
  enter: (state: StoredState, at: number) => Partial<TaskRecord>,
): Partial<TaskRecord> {
  const list = t.candidates ?? [];
  const patch = (n: number, change: Partial<CandidateRecord>): CandidateRecord[] => list.map((c) => (c.n === n ? { ...c, ...change } : c));
  switch (event.type) {
    case 'candidates_started': {
      const fresh = new Map(event.candidates.map((c) => [c.n, c]));
      const kept = list.filter((c) => !fresh.has(c.n));
      const started = event.candidates.map((c): CandidateRecord => ({ n: c.n, agent: c.agent, state: 'running', attempt: event.attempt }));
      return { ...enter('running', event.at), candidates: [...kept, ...started].sort((a, b) => a.n - b.n) };
    }
    case 'candidate_update': {
      const { type: _t, key: _k, at: _at, candidate, ...change } = event;
      return { candidates: patch(candidate, change) };
    }
    case 'candidate_finished':
      return { candidates: patch(event.candidate, { state: event.result, tip: event.tip, diff: event.diff, message: event.message, finishedAt: event.at }) };
    case 'candidate_picked': {
      const winner = list.find((c) => c.n === event.candidate);
      return {
        picked: { candidate: event.candidate, by: event.by, ...(event.note ? { note: event.note } : {}) },
        worktree: winner?.worktree,
        branch: winner?.branch,
        baseSha: winner?.baseSha,
      };
    }
    case 'candidate_archived':
      return {
        candidates: patch(event.candidate, { archived: event.ref }),
        archives: t.archives.includes(event.ref) ? t.archives : [...t.archives, event.ref],
      };
  }
}

/** Candidates whose check passed and whose work is still there: what the pick chooses among. */
export function pickable(t: TaskRecord): CandidateRecord[] {
  return (t.candidates ?? []).filter((c) => c.state === 'passed' && c.archived === undefined && c.tip !== undefined);
}
