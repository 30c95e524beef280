import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from './context.js';

/**
 * An error fleet did not expect is its own fault, not the task's: the user sees one sentence,
 * the stack goes to daemon.log in the state dir, where a bug report can quote it.
 */
export function logInternalError(ctx: Pick<EngineContext, 'paths'>, where: string, error: unknown): void {
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    appendFileSync(join(ctx.paths.stateDir, 'daemon.log'), `${new Date().toISOString()} internal error in ${where}: ${stack}\n`);
  } catch {
    // The state dir is gone or full: the event still tells the user.
  }
}
