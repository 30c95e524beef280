import { readdirSync, readFileSync } from 'node:fs';
import { signalGroup } from './spawn.js';

/** Process start time (clock ticks since boot, from /proc), so a recycled pid is not mistaken for ours. */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so count from its closing paren.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** True when `pid` runs and is the process that started at `startTime` (when known). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !startTime || processStartTime(pid) === startTime;
}

/**
 * Pids of every process whose environment carries this run's and task's ids. A process that
 * called setsid() has left the agent's group; its inherited environment still gives it away.
 * Linux-only (/proc); elsewhere the group kill is all we can do.
 */
export function taskProcesses(runId: string, project: string, taskId: string, candidate?: number): number[] {
  const want = [`FLEET_RUN_ID=${runId}`, `FLEET_PROJECT=${project}`, `FLEET_TASK_ID=${taskId}`];
  // One candidate's leftovers are its own; the task's other candidates run on (best-of-N).
  if (candidate !== undefined) want.push(`FLEET_CANDIDATE=${candidate}`);
  return processesWhoseEnv((env) => want.every((w) => env.includes(w)));
}

/**
 * Pids of every other process whose environment (its `NAME=value` entries, as it started) passes
 * `test`. Linux-only (/proc); elsewhere, and for processes not ours to read, none.
 */
export function processesWhoseEnv(test: (env: string[]) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (test(env)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a task's processes: SIGTERM to the group, SIGKILL to whatever is left after the grace
 * period, then SIGKILL to any escaped process that still carries the task's environment.
 */
export async function killTask(
  pid: number | undefined,
  who: { runId: string; project: string; taskId: string; candidate?: number },
  graceMs = 3000,
): Promise<void> {
  if (pid !== undefined && signalGroup(pid, 'SIGTERM')) {
    signalGroup(pid, 'SIGCONT'); // a paused group cannot act on SIGTERM
    for (let waited = 0; waited < graceMs && signalGroup(pid, 0); waited += 50) await sleep(50);
    signalGroup(pid, 'SIGKILL');
  }
  for (const escaped of taskProcesses(who.runId, who.project, who.taskId, who.candidate)) {
    try {
      process.kill(escaped, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
