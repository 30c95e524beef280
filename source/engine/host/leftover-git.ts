// Git calls a killed engine left running (docs/design.md#crash-safety). A kill -9 of fleet does
// not stop the git its shell pool was running: a `reset --hard` goes on checking out, and would
// write its index into whatever the next engine makes at the same path. They are waited for, not
// killed: git killed mid-write leaves the index.lock files it would have renamed.
import { processesWhoseEnv } from '../../agents/processes.js';
import { GIT_OWNER_VAR } from '../../git/exec.js';

/** How long a resuming engine waits for them before it goes on anyway, with a warning. */
export const LEFTOVER_GIT_WAIT_MS = 60_000;

/** Pids of git calls (and what they started) of an engine of `runId` other than this one. */
export function leftoverGit(runId: string): number[] {
  const prefix = `${GIT_OWNER_VAR}=${runId}/`;
  const mine = `${prefix}${process.pid}`;
  return processesWhoseEnv((env) => env.some((e) => e.startsWith(prefix) && e !== mine));
}

/**
 * Waits (at most `timeoutMs`) until no git call of another engine of `runId` runs. Called with the
 * repository locks held, so that engine is dead and starts nothing new. Linux-only (/proc);
 * elsewhere there is nothing to find and nothing to wait for.
 */
export async function waitForLeftoverGit(runId: string, warn: (line: string) => void, timeoutMs = LEFTOVER_GIT_WAIT_MS): Promise<void> {
  let pids = leftoverGit(runId);
  if (pids.length === 0) return;
  warn(`fleet: waiting for ${pids.length} git process${pids.length === 1 ? '' : 'es'} of the stopped fleet of run ${runId} to finish (pid ${pids.join(', ')})`);
  const deadline = Date.now() + timeoutMs;
  while (pids.length > 0 && Date.now() < deadline) {
    await sleep(100);
    pids = leftoverGit(runId);
  }
  if (pids.length > 0) {
    warn(
      `warning: git process${pids.length === 1 ? '' : 'es'} of the stopped fleet of run ${runId} still running after ${Math.round(timeoutMs / 1000)} s (pid ${pids.join(', ')}); ` +
        'going on without them: a task whose worktree they write into may fail and can be retried',
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
