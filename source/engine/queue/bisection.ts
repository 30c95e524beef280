// Bisecting a failed batch (docs/merge-queue.md, Bisection): the search itself is core/bisect.ts;
// this file builds the trees it asks for, gates them on one gate held for the whole bisection,
// lands passing prefixes, sends the members after the suspect back to the queue as soon as the
// suspect is known, and files the verdict. It runs beside the queue, which goes on batching.
import { bisect, type BisectionGates } from '../../core/bisect.js';
import type { BisectStep } from '../../core/events.js';
import { revParse } from '../../git/repo.js';
import { stackOne, type Member } from './batch.js';
import type { Batch, MergeQueue } from './merge-queue.js';
import type { StepResult } from '../steps.js';

class BaseMoved extends Error {}

/**
 * Starts the bisection of `batch` and resolves once the prefix search is over (the suspect is
 * known, or the bisection ended early); the partner search goes on in `background`.
 */
export function bisectBatch(queue: MergeQueue, batch: Batch, failure: StepResult, background: (work: Promise<unknown>) => void): Promise<void> {
  return new Promise((isolated) => {
    const work = run(queue, batch, failure, isolated);
    background(work.finally(() => isolated()));
  });
}

async function run(queue: MergeQueue, batch: Batch, failure: StepResult, isolated: () => void): Promise<void> {
  const { ctx, project } = queue;
  const repo = project.path;
  const members = batch.members;
  const keys = members.map((m) => m.task.key);
  for (const key of keys) queue.bisecting.add(key);
  const gate = await queue.pool.acquire();
  let landed = 0;
  let onto = batch.onto;
  /** The log tail of the last failing run that held the suspect. */
  let tail = failure.tail;
  let lastMessage = failure.message;
  let rerunCommit: { commit: string; onto: string } | undefined;

  const step = async (kind: BisectStep, commit: string, held: readonly Member[], suspect?: Member): Promise<boolean> => {
    const result = await queue.runGate(gate, batch, commit, kind, held);
    if (result.killed && !result.ok) throw new Interrupted();
    ctx.emit({ type: 'bisect_step', project: project.name, batch: batch.id, step: kind, suspect: suspect?.task.key, tested: held.map((m) => m.task.key), passed: result.ok });
    if (!result.ok) {
      tail = result.tail;
      lastMessage = result.message;
    }
    return result.ok;
  };
  const release = (from: number, reason: string) => {
    for (const m of members.slice(from)) {
      queue.bisecting.delete(m.task.key);
      const state = ctx.store.state.tasks[m.task.key]?.state;
      if (state === 'merging') ctx.emit({ type: 'merge_deferred', key: m.task.key, reason });
    }
  };

  const gates: BisectionGates = {
    prefix: (count) => step('prefix', members[count - 1]!.commit, members.slice(0, count)),
    async land(count) {
      if (!(await queue.land(batch, members.slice(landed, count), onto))) throw new BaseMoved();
      for (const m of members.slice(landed, count)) queue.bisecting.delete(m.task.key);
      onto = members[count - 1]!.commit;
      landed = count;
    },
    isolated(suspect) {
      release(suspect + 1, `its batch failed the gate; ${members[suspect]!.task.id} is being checked`);
      isolated();
    },
    async withPrefix(suspect, count) {
      const s = members[suspect]!;
      const below = count === 0 ? batch.onto : members[count - 1]!.commit;
      const built = await stackOne(repo, below, s.task, s.tip);
      // It merged cleanly on the whole prefix; a conflict with part of it counts as failing.
      if ('conflict' in built) return false;
      return step('partner', built.commit, [...members.slice(0, count), s], s);
    },
    async rerun(suspect) {
      const s = members[suspect]!;
      const current = await revParse(repo, `refs/heads/${batch.base}`);
      if (!current) throw new BaseMoved();
      const built = await stackOne(repo, current, s.task, s.tip);
      if ('conflict' in built) return false;
      rerunCommit = { commit: built.commit, onto: current };
      return step('rerun', built.commit, [s], s);
    },
  };

  try {
    const verdict = await bisect(members.length, gates);
    const suspect = members[verdict.suspect]!;
    queue.bisecting.delete(suspect.task.key);
    if (verdict.kind === 'flaky') {
      ctx.emit({ type: 'gate_flaky', key: suspect.task.key, message: `batch ${batch.id}'s gate failed (${lastMessage}) but passed when run again` });
      const member = { ...suspect, commit: rerunCommit!.commit };
      await queue.land(batch, [member], rerunCommit!.onto);
      return;
    }
    const partners = verdict.partners.map((i) => members[i]!.task.id);
    const message = partners.length > 0
      ? `fails the gate together with ${partners.join(', ')} (each passes without the other): ${lastMessage}`
      : `the check failed on the merged result: ${lastMessage}`;
    queue.log(suspect, `bisection of batch ${batch.id}: ${message}`);
    ctx.emit({ type: 'review', key: suspect.task.key, reason: 'gate_failed', message, paths: [], tail });
    if (suspect.task.onGateFailure === 'agent') ctx.autoRepair(suspect.task.key, suspect.record.attempt);
  } catch (error) {
    if (error instanceof Interrupted) return; // fleet is stopping: the members stay merging and resume
    const reason = error instanceof BaseMoved ? `${batch.base} moved while its batch was bisected` : `the bisection stopped: ${(error as Error).message}`;
    release(landed, reason);
  } finally {
    for (const key of keys) queue.bisecting.delete(key);
    queue.pool.release(gate);
  }
}

class Interrupted extends Error {}
