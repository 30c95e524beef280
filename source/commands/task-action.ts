import { appliesTo, disabledReason, refusal, type TaskAction } from '../core/actions.js';
import type { RevisionComment } from '../core/events.js';
import type { RunState } from '../core/state.js';
import { awaitResult, postRequest } from '../engine/host/inbox.js';
import { runPaths } from '../engine/host/paths.js';
import { findRun } from './support/find-run.js';
import { UserError } from './support/user-error.js';

export interface ActionOptions {
  file?: string;
  stdout?: NodeJS.WritableStream;
  /** How long to wait for a live engine's answer. */
  timeoutMs?: number;
  /** `fleet pick ID N`. */
  candidate?: number;
  /** What `revise` sends to the agent. */
  comments?: RevisionComment[];
}

/**
 * `fleet retry|requeue|resolve|accept|discard|cancel|pause|resume|revise ID…`: a live run applies the
 * action at once and answers; a stopped run keeps it for the next `fleet run`, unless its saved
 * state already says the action does not apply (then nothing is recorded).
 */
export async function taskActionCommand(action: TaskAction, ids: string[], options: ActionOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const run = await findRun(options.file);
  const keys = ids.map((id) => resolveKey(id, run.state.order));
  if (!run.live) refuseEarly(action, keys, run.state);
  const inbox = runPaths(run.stateDir, run.meta.runId).inbox;
  const request = postRequest(inbox, action, keys, { candidate: options.candidate, comments: options.comments });
  if (!run.live) {
    out.write(`recorded: ${action} ${keys.join(' ')}; applied when \`fleet run\` resumes run ${run.meta.runId}\n`);
    return 0;
  }
  const result = await awaitResult(inbox, request.id, options.timeoutMs ?? 120_000);
  if (!result) {
    out.write(`sent: ${action} ${keys.join(' ')}; the run (pid ${run.live.pid}) has not answered yet, it will apply it\n`);
    return 0;
  }
  for (const line of result.lines) out.write(`${line}\n`);
  return result.ok ? 0 : result.refused ? 2 : 1;
}

/**
 * The live engine is the judge of a running run; a stopped one changes nothing until the next
 * `fleet run`, so its saved state already answers whether the action could apply.
 */
function refuseEarly(action: TaskAction, keys: string[], state: RunState): void {
  for (const key of keys) {
    const why = disabledReason(action, state.tasks[key]!, state);
    if (why) throw new UserError(refusal(action, key, why), `${action} applies to a task that is ${appliesTo(action)}; \`fleet status\` shows each task's state`, 2);
  }
}

/** Accepts a full key, or a bare id when only one project has it. */
export function resolveKey(id: string, keys: string[]): string {
  if (keys.includes(id)) return id;
  const matches = keys.filter((k) => k.endsWith(`:${id}`));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UserError(`"${id}" is ambiguous: ${matches.join(', ')}`, 'name the task as project:id', 2);
  throw new UserError(`there is no task "${id}" in this run`, `the tasks are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`, 2);
}
