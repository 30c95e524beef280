import { awaitResult, postRequest, type ActionRequest } from '../../engine/host/inbox.js';
import { runPaths } from '../../engine/host/paths.js';
import type { FoundRun } from './find-run.js';

/**
 * Posts a request to the run's inbox and tells the user what became of it: a live run applies it
 * and answers (its lines are printed); a stopped run keeps it for the next `fleet run`; a live run
 * that has not answered within `timeoutMs` will still apply it. `what` names the request in those
 * sentences ("retry a b", "budget $5.00"). Exit code: 0, else 2 when refused, else 1.
 */
export async function sendRequest(
  run: FoundRun,
  { action, keys, ...extra }: Pick<ActionRequest, 'action' | 'keys' | 'candidate' | 'budget' | 'comments'>,
  what: string,
  options: { stdout?: NodeJS.WritableStream; timeoutMs?: number },
): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const inbox = runPaths(run.stateDir, run.meta.runId).inbox;
  const { id } = postRequest(inbox, action, keys, extra);
  if (!run.live) {
    out.write(`recorded: ${what}; applied when \`fleet run\` resumes run ${run.meta.runId}\n`);
    return 0;
  }
  const result = await awaitResult(inbox, id, options.timeoutMs ?? 120_000);
  if (!result) {
    out.write(`sent: ${what}; the run (pid ${run.live.pid}) has not answered yet, it will apply it\n`);
    return 0;
  }
  for (const line of result.lines) out.write(`${line}\n`);
  return result.ok ? 0 : result.refused ? 2 : 1;
}
