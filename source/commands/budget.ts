import { capText } from '../core/budget.js';
import { findRun } from './support/find-run.js';
import { sendRequest } from './support/send-request.js';
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
  if (options.usd === undefined && options.tokens === undefined) {
    throw new UserError('fleet budget needs a new cap', 'give --usd N, --tokens N or both', 2);
  }
  const cap = { ...(options.usd !== undefined && { usd: options.usd }), ...(options.tokens !== undefined && { tokens: options.tokens }) };
  return sendRequest(await findRun(options.file), { action: 'budget', keys: [], budget: cap }, `budget ${capText(cap)}`, options);
}
