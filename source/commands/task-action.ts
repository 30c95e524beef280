import { appliesTo, disabledReason, refusal, type TaskAction } from '../core/actions.js';
import type { RevisionComment } from '../core/events.js';
import type { RunState } from '../core/state.js';
import { findRun, resolveKey } from './support/find-run.js';
import { sendRequest } from './support/send-request.js';
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
  const run = await findRun(options.file);
  const keys = ids.map((id) => resolveKey(id, run.state.order));
  if (!run.live) refuseEarly(action, keys, run.state);
  return sendRequest(run, { action, keys, candidate: options.candidate, comments: options.comments }, `${action} ${keys.join(' ')}`, options);
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
