import { formatDuration } from '../core/duration.js';
import { queueNote, taskStatus, waitingFor } from '../core/selectors.js';
import { summaryLines } from '../ui/print/summary.js';
import { mergesNoLongerInBase } from '../engine/host/reports.js';
import { findRun } from './support/find-run.js';

export interface StatusOptions {
  file?: string;
  json?: boolean;
  stdout?: NodeJS.WritableStream;
}

/** `fleet status`: the run's state from disk (journal replay), live or not. */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const run = await findRun(options.file);
  const { state } = run;
  if (options.json) {
    const tasks = state.order.map((k) => ({ ...state.tasks[k]!, status: taskStatus(state, k), waitingFor: waitingFor(state, k) ?? null }));
    out.write(`${JSON.stringify({ runId: state.runId, file: state.file, live: run.live !== undefined, pid: run.live?.pid ?? null, stopped: state.stopped ?? null, tasks })}\n`);
    return 0;
  }
  const gone = await mergesNoLongerInBase(state);
  const now = Date.now();
  out.write(`run ${state.runId} of ${state.file}\n`);
  out.write(run.live ? `live: pid ${run.live.pid}\n` : `stopped${state.stopped ? ` (${state.stopped.reason}, exit ${state.stopped.exitCode})` : ''}\n`);
  const width = Math.max(4, ...state.order.map((k) => k.length));
  for (const key of state.order) {
    const t = state.tasks[key]!;
    const status = taskStatus(state, key);
    const since = formatDuration(now - t.since);
    const notes = [
      t.attempt > 1 ? `attempt ${t.attempt}` : '',
      waitingFor(state, key) ?? '',
      queueNote(t) ?? '',
      t.state === 'merged' && t.cleanupPending ? `cleanup pending: ${t.cleanupPending}` : '',
      t.worktree && t.state !== 'merged' ? t.worktree : '',
      t.archives.length > 0 ? `archives: ${t.archives.join(', ')}` : '',
      gone.has(key) ? `⚠ no longer in ${t.base} (was it reset?)` : '',
    ].filter(Boolean);
    out.write(`  ${key.padEnd(width)}  ${status.padEnd(9)} ${since.padStart(7)}  ${notes.join(' · ')}\n`);
  }
  for (const line of summaryLines(state).slice(1)) out.write(`${line}\n`);
  return 0;
}
