import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDetached } from '../agents/spawn.js';
import { noticeDriver, SYSTEM_CLOCK, type Notice } from '../core/notify.js';
import type { RunState } from '../core/state.js';
import type { Store } from './store.js';

/** A hook that has not finished by then is killed: a notification must never hold up the run. */
export const HOOK_TIMEOUT_MS = 10_000;

export interface HookOptions {
  command: string;
  runId: string;
  /** Where the hook runs (the fleet file's directory). */
  cwd: string;
  /** The hook's output and fleet's word on its failures go here (notify.log in the run's directory). */
  runDir: string;
  /** One line for the user about a failing hook. */
  warn(line: string): void;
  timeoutMs?: number;
}

/**
 * Runs `notify.command` for every notice of the run, from the engine's side, so it fires whether
 * or not a UI is attached. Hooks run detached with a timeout; `close` waits for those still running.
 */
export function startHookNotices(store: Store, options: HookOptions): { close(): Promise<void> } {
  const running = new Set<Promise<void>>();
  const driver = noticeDriver(store.state, SYSTEM_CLOCK, (notice) => {
    const done = runHook(notice, options).finally(() => running.delete(done));
    running.add(done);
  });
  const unsubscribe = store.subscribe((state: RunState, event) => {
    if (event.type !== 'progress') driver.update(state);
  });
  return {
    async close() {
      unsubscribe();
      driver.stop();
      await Promise.all(running);
    },
  };
}

async function runHook(notice: Notice, options: HookOptions): Promise<void> {
  const logFile = join(options.runDir, 'notify.log');
  const note = (line: string) => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // The run's directory is gone: the warning still reaches the user.
    }
  };
  note(`${notice.event}: ${notice.message}`);
  const env = {
    ...process.env,
    FLEET_EVENT: notice.event,
    FLEET_TASK_ID: notice.taskIds,
    FLEET_STATE: notice.state,
    FLEET_MESSAGE: notice.message,
    FLEET_RUN_ID: options.runId,
  };
  const child = spawnDetached({ argv: ['sh', '-c', options.command], cwd: options.cwd, env, logFile });
  const timeoutMs = options.timeoutMs ?? HOOK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  const fail = (why: string) => {
    note(`notify.command ${why}`);
    options.warn(`fleet: notify.command ${why}; see ${logFile}`);
  };
  if (result === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // it ended just now
    }
    fail(`did not finish within ${timeoutMs / 1000}s and was stopped`);
  } else if (result.spawnError) fail(`could not start: ${result.spawnError}`);
  else if (result.exitCode !== 0) fail(`failed (${result.signal ?? `exit ${result.exitCode}`})`);
}
