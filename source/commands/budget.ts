import { capText } from '../core/budget.js';
import { awaitResult, postRequest } from '../engine/host/inbox.js';
import { runPaths } from '../engine/host/paths.js';
import { findRun } from './support/find-run.js';
import { UserError } from './support/user-error.js';

export interface BudgetOptions {
  file?: string;
  usd?: number;
  tokens?: number;
  stdout?: NodeJS.WritableStream;
  timeoutMs?: number;
}

/**
 * `fleet budget --usd N | --tokens N`: sets the run's cap. A live run applies it at once (and a
 * run held at its cap goes on if the new cap is above the spend); a stopped run keeps it, like a
 * task action, for the next `fleet run`. Journaled as `budget_changed`.
 */
export async function budgetCommand(options: BudgetOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  if (options.usd === undefined && options.tokens === undefined) {
    throw new UserError('fleet budget needs a new cap', 'give --usd N, --tokens N or both', 2);
  }
  const cap = { ...(options.usd !== undefined && { usd: options.usd }), ...(options.tokens !== undefined && { tokens: options.tokens }) };
  const run = await findRun(options.file);
  const inbox = runPaths(run.stateDir, run.meta.runId).inbox;
  const request = postRequest(inbox, 'budget', [], { budget: cap });
  if (!run.live) {
    out.write(`recorded: budget ${capText(cap)}; applied when \`fleet run\` resumes run ${run.meta.runId}\n`);
    return 0;
  }
  const result = await awaitResult(inbox, request.id, options.timeoutMs ?? 120_000);
  if (!result) {
    out.write(`sent: budget ${capText(cap)}; the run (pid ${run.live.pid}) has not answered yet, it will apply it\n`);
    return 0;
  }
  for (const line of result.lines) out.write(`${line}\n`);
  return result.ok ? 0 : 1;
}
