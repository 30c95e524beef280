// Best-of-N (docs/config.md#candidates): a task with `candidates:` or `agents:` runs as N
// candidates at once, each an ordinary attempt in its own worktree and branch (`fleet/<id>@<n>`)
// and its own slot. The winner's worktree, branch and tip become the task's, so the merge queue
// takes it as the task; every other candidate is archived, never just deleted.
import type { CandidateRecord } from '../../core/candidates.js';
import { pickable } from '../../core/candidates.js';
import type { FailurePhase, FleetEvent, PickedBy } from '../../core/events.js';
import type { TaskSpec } from '../../core/fleet.js';
import type { TaskRecord } from '../../core/state.js';
import { archiveAndRemove } from '../../git/archive.js';
import { cleanEnv } from '../../git/exec.js';
import { deleteRef, setRef } from '../../git/refs.js';
import { runAttempt, type AttemptOutcome } from '../attempt.js';
import { archiveRef, branchName, fleetRef, worktreePath, type EngineContext, type EventInput } from '../context.js';
import type { Engine } from '../engine.js';
import type { OutputBook } from '../output.js';
import { logInternalError } from '../internal-error.js';
import { attemptLogDir } from '../host/paths.js';
import { choose, diffStat } from './pick.js';

/** One round: the candidates started together in one task attempt. */
interface Round {
  attempt: number;
  running: Set<number>;
  /** A winner was chosen, or the task was stopped: candidates still waiting for a slot do not start. */
  decided: boolean;
  retriesLeft: number;
  phases: Map<number, FailurePhase>;
}

/** The spec of candidate n: its own key (for jobs, stops and output), agent and names. */
export function candidateSpec(task: TaskSpec, n: number): TaskSpec {
  const agent = task.candidates?.agents?.[n - 1] ?? task.agent;
  // Approval is asked once, of the winner (Candidates.commit), not of every candidate.
  return { ...task, key: `${task.key}@${n}`, agent, asCandidate: n, approve: false };
}

/** The task as its picked candidate, for what runs in the winner's worktree after the pick (check, resolve). */
export function asWinner(task: TaskSpec, record: TaskRecord): TaskSpec {
  return record.picked ? { ...task, asCandidate: record.picked.candidate } : task;
}

export class Candidates {
  private readonly rounds = new Map<string, Round>();

  constructor(private readonly engine: Engine) {
    engine.ctx.store.subscribe((_state, event) => this.onEvent(event));
  }

  private get ctx(): EngineContext {
    return this.engine.ctx;
  }

  private record(key: string): TaskRecord | undefined {
    return this.ctx.store.state.tasks[key];
  }

  /**
   * Starts a round: every candidate except those whose check passed and whose work is kept (a
   * retry reruns the failed ones only). Each takes a slot of its own.
   */
  async start(task: TaskSpec, attempt: number, retriesLeft = task.retries): Promise<void> {
    const record = this.record(task.key);
    if (!record) return;
    const kept = new Set(pickable(record).map((c) => c.n));
    const numbers = Array.from({ length: task.candidates!.count }, (_, i) => i + 1).filter((n) => !kept.has(n));
    await this.archive(task, numbers);
    const round: Round = { attempt, running: new Set(numbers), decided: false, retriesLeft, phases: new Map() };
    this.rounds.set(task.key, round);
    const failures = new Map((record.candidates ?? []).map((c) => [c.n, c]));
    this.ctx.emit({ type: 'attempt_started', key: task.key, attempt });
    this.ctx.emit({ type: 'candidates_started', key: task.key, attempt, candidates: numbers.map((n) => ({ n, agent: task.run === undefined ? candidateSpec(task, n).agent : 'run' })) });
    if (numbers.length === 0) return this.decide(task, round);
    for (const n of numbers) this.engine.inSlot((slot) => this.runOne(task, n, round, slot, failures.get(n)).catch((error) => this.internal(task, round, error)));
  }

  /** fleet's own error while choosing or recording: the task fails as fleet's fault, never charged to its retries. */
  private internal(task: TaskSpec, round: Round, error: unknown): void {
    logInternalError(this.ctx, `${task.key} candidates of attempt ${round.attempt}`, error);
    round.decided = true;
    const message = `fleet hit an internal error: ${(error as Error).message}`;
    this.ctx.emit({ type: 'attempt_failed', key: task.key, attempt: round.attempt, phase: 'internal', message, tail: '', willRetry: false });
  }

  private async runOne(task: TaskSpec, n: number, round: Round, slot: number, last: CandidateRecord | undefined): Promise<void> {
    const spec = candidateSpec(task, n);
    const unneeded = round.decided || this.record(task.key)?.state !== 'running' || this.ctx.stopping.has(task.key);
    if (unneeded || !this.engine.mayStart()) {
      round.running.delete(n);
      const message = unneeded ? 'not started: the task no longer needed it' : "not started: the run's budget is reached";
      this.ctx.emit({ type: 'candidate_finished', key: task.key, candidate: n, result: 'stopped', message });
      if (!unneeded && round.running.size === 0) await this.decide(task, round);
      return;
    }
    this.ctx.stopping.delete(spec.key);
    const seen: { tip?: string; message?: string } = {};
    const failure = last?.state === 'failed' && last.message ? { attempt: last.attempt, summary: last.message, detail: '' } : undefined;
    const outcome = await runAttempt(this.scoped(task.key, n, seen), { task: spec, attempt: round.attempt, slot, startAt: 'fresh', failure });
    // Recorded before it leaves the round: the last one out decides on every candidate's result.
    await this.finish(task, n, round, outcome, seen);
    round.running.delete(n);
    // At the task's own cap the breaker stopped every candidate; the last one out fails the task.
    if (outcome.kind === 'stopped' && round.running.size === 0 && this.engine.stoppedAtCap(task.key)) return this.engine.failOverBudget(task, round.attempt);
    // Stopped while nobody decided: fleet is shutting down; the next run resumes the round.
    if (outcome.kind === 'stopped' && !round.decided) return;
    if (outcome.kind === 'queued' && task.candidates!.pick === 'first-pass' && !round.decided) {
      round.decided = true;
      await this.stopOthers(task, n);
      return this.commit(task, n, 'first-pass');
    }
    if (round.running.size === 0 && !round.decided) await this.decide(task, round);
  }

  private async finish(task: TaskSpec, n: number, round: Round, outcome: AttemptOutcome, seen: { tip?: string; message?: string }): Promise<void> {
    const base = { type: 'candidate_finished', key: task.key, candidate: n } as const;
    if (outcome.kind === 'queued' && seen.tip) {
      const c = this.record(task.key)?.candidates?.find((x) => x.n === n);
      const diff = c?.baseSha ? await diffStat(this.ctx.project(task).path, c.baseSha, seen.tip) : undefined;
      this.ctx.emit({ ...base, result: 'passed', tip: seen.tip, ...(diff ? { diff } : {}) });
    } else if (outcome.kind === 'stopped') {
      this.ctx.emit({ ...base, result: 'stopped', message: 'stopped' });
    } else {
      if (outcome.kind === 'failed') round.phases.set(n, outcome.phase);
      // A rate-limited candidate is not waited for: the others decide the round (docs/decisions.md).
      const message = outcome.kind === 'failed' ? outcome.message : outcome.kind === 'rate_limited' ? 'stopped by a provider rate limit' : (seen.message ?? 'sent to review');
      this.ctx.emit({ ...base, result: 'failed', message });
    }
  }

  /** Every candidate is done: pick among those that passed, or fail the attempt (and retry the failed ones). */
  private async decide(task: TaskSpec, round: Round): Promise<void> {
    round.decided = true;
    const record = this.record(task.key);
    if (!record || record.state !== 'running' || this.ctx.stopping.has(task.key)) return;
    const passed = pickable(record);
    if (passed.length === 0) return this.fail(task, record, round);
    const logDir = attemptLogDir(this.ctx.paths, task, this.ctx.spec.multiProject, round.attempt);
    const env = cleanEnv(process.env, { FLEET_TASK_ID: task.id, FLEET_RUN_ID: this.ctx.runId, FLEET_ATTEMPT: String(round.attempt) });
    const choice = await choose(task.candidates!, record.candidates ?? [], passed, { cwd: this.ctx.project(task).path, logDir, env });
    return this.commit(task, choice.candidate, choice.by, choice.note);
  }

  private async fail(task: TaskSpec, record: TaskRecord, round: Round): Promise<void> {
    const failed = (record.candidates ?? []).filter((c) => c.state !== 'passed');
    const phase = [...round.phases.values()][0] ?? 'check';
    const willRetry = phase !== 'internal' && round.retriesLeft > 0 && this.engine.mayStart();
    const message = `no candidate passed: ${failed.map((c) => `${c.n}: ${c.message ?? c.state}`).join('; ')}`;
    this.ctx.emit({ type: 'attempt_failed', key: task.key, attempt: round.attempt, phase, message, tail: '', willRetry });
    if (willRetry) await this.start(task, round.attempt + 1, round.retriesLeft - 1);
  }

  /**
   * Makes candidate n the task: its base becomes the task's recorded base (which decides whether
   * the gate must run), its worktree and branch the task's, its tip the tested tip in the queue.
   */
  private async commit(task: TaskSpec, n: number, by: PickedBy, note?: string): Promise<void> {
    const winner = this.record(task.key)?.candidates?.find((c) => c.n === n);
    if (!winner?.tip || !winner.baseSha) return;
    await setRef(this.ctx.project(task).path, fleetRef(this.ctx, 'base', task), winner.baseSha, `fleet: base of ${task.key} candidate ${n}`);
    this.ctx.emit({ type: 'candidate_picked', key: task.key, candidate: n, by, ...(note ? { note } : {}) });
    const attempt = this.record(task.key)!.attempt;
    // A task that asks for approval waits for it with its winner; once approved, a user's overrule
    // is itself the approval of the candidate they chose.
    if (task.approve && this.record(task.key)!.state !== 'queued') {
      this.ctx.emit({ type: 'approval_awaited', key: task.key, attempt, tip: winner.tip });
    } else {
      this.ctx.emit({ type: 'check_passed', key: task.key, attempt, tip: winner.tip });
    }
  }

  /** `fleet pick ID [N]`: N, or the next candidate that passed after the current winner. */
  async overrule(key: string, n: number | undefined): Promise<string> {
    const task = this.ctx.task(key);
    const record = this.record(key)!;
    const passed = pickable(record).map((c) => c.n);
    const current = record.picked?.candidate;
    const chosen = n ?? passed.find((c) => c > (current ?? 0)) ?? passed[0]!;
    if (!passed.includes(chosen)) throw new Error(`candidate ${chosen} of ${key} did not pass its check; pick one of ${passed.join(', ')}`);
    if (chosen === current) return `${key}: candidate ${chosen} is already the pick`;
    // Without a recorded base the queue runs the gate: safe while the pick changes under it.
    await deleteRef(this.ctx.project(task).path, fleetRef(this.ctx, 'base', task));
    const state = this.record(key)?.state;
    if (state !== 'queued' && state !== 'awaiting_approval') throw new Error(`${key} started merging; its pick can no longer change`);
    await this.commit(task, chosen, 'user');
    return `${key}: candidate ${chosen} is the pick now (was ${current ?? 'none'})`;
  }

  /** Stops the candidates of a task still running (first-pass has its winner, or the task is stopped). */
  async stopOthers(task: TaskSpec, except?: number): Promise<void> {
    const round = this.rounds.get(task.key);
    if (round) round.decided = true;
    const count = task.candidates?.count ?? 0;
    const keys = Array.from({ length: count }, (_, i) => `${task.key}@${i + 1}`).filter((k) => k !== `${task.key}@${except}`);
    for (const k of keys) this.ctx.stopping.add(k);
    await Promise.all(keys.map((k) => this.ctx.jobs.get(k)?.kill()));
  }

  /**
   * Archives the work of candidates (those numbered in `only`, else all) that still has a worktree
   * or branch: archive ref first, then worktree, then branch. Returns the first ref written.
   */
  async archive(task: TaskSpec, only?: number[]): Promise<string | null> {
    let first: string | null = null;
    for (const c of this.record(task.key)?.candidates ?? []) {
      if (c.archived !== undefined || (only && !only.includes(c.n))) continue;
      const spec = candidateSpec(task, c.n);
      const ref = await archiveAndRemove(this.ctx.project(task).path, {
        worktree: c.worktree ?? worktreePath(this.ctx, spec),
        branch: branchName(spec),
        ref: archiveRef(this.ctx, spec, c.attempt),
        message: `fleet: archive of ${task.key} candidate ${c.n} attempt ${c.attempt}`,
      });
      if (ref) this.ctx.emit({ type: 'candidate_archived', key: task.key, candidate: c.n, ref });
      first ??= ref;
    }
    return first;
  }

  /** The candidates that did not pass (or whose merge failed): what a retry reruns. */
  failedNumbers(key: string): number[] {
    const kept = new Set(pickable(this.record(key)!).map((c) => c.n));
    return (this.record(key)?.candidates ?? []).map((c) => c.n).filter((n) => !kept.has(n));
  }

  /** Once the winner is merged and cleaned up, or the task discarded or accepted, nothing of any candidate stays. */
  private onEvent(event: FleetEvent): void {
    if (event.type !== 'cleanup_done' && event.type !== 'task_discarded' && event.type !== 'task_accepted') return;
    const record = this.record(event.key);
    if (!record?.candidates?.some((c) => c.archived === undefined)) return;
    void this.engine.track(this.archive(this.ctx.task(event.key)).catch(() => null));
  }

  /**
   * The context one candidate's attempt runs in: what it reports becomes candidate events of its
   * task (the task's own state stays `running` until the pick), its output goes to the task's
   * pane with its number in front.
   */
  private scoped(key: string, n: number, seen: { tip?: string; message?: string }): EngineContext {
    const ctx = this.ctx;
    const emit = (event: EventInput): void => {
      const about = { type: 'candidate_update', key, candidate: n } as const;
      if (event.type === 'worktree_ready') ctx.emit({ ...about, state: 'running', worktree: event.path, branch: event.branch, baseSha: event.baseSha });
      else if (event.type === 'check_started') ctx.emit({ ...about, state: 'checking' });
      else if (event.type === 'check_passed') seen.tip = event.tip;
      else if (event.type === 'review') seen.message = event.message;
      else if (event.type === 'agent_progress' && (event.tokens || event.costUsd !== undefined)) {
        ctx.emit({ ...about, ...(event.tokens ? { tokens: event.tokens } : {}), ...(event.costUsd !== undefined ? { costUsd: event.costUsd } : {}) });
      }
    };
    const output = Object.create(ctx.output) as OutputBook;
    output.add = (_key, lines) => ctx.output.add(key, lines.map((line) => `[${n}] ${line}`));
    return { ...ctx, emit, output };
  }
}
