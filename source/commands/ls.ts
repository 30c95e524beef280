// `fleet ls`: every fleet run on this machine, live or finished, with its task counts, the
// worktrees it still has on disk and their size (gathered by engine/host/reports.ts).
import { formatBytes } from '../engine/host/inventory.js';
import { machineReport, type LsOther, type LsRun, type LsTotal } from '../engine/host/reports.js';
import { registryPath } from '../engine/host/registry.js';

export interface LsOptions {
  json?: boolean;
  /** Where to look for a fleet.yaml and repository besides the registry (default: process.cwd()). */
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  /** Total time for measuring disk usage (ms). */
  sizeBudgetMs?: number;
}

/** `fleet ls`: prints (or with --json writes one JSON object) and returns the exit code. */
export async function lsCommand(options: LsOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const { runs, others, total } = await machineReport(options.cwd ?? process.cwd(), options.sizeBudgetMs);
  if (options.json) {
    out.write(`${JSON.stringify({ registry: registryPath(), runs, others, total })}\n`);
    return 0;
  }
  printRuns(out, runs, others, total);
  return 0;
}

function printRuns(out: NodeJS.WritableStream, runs: LsRun[], others: LsOther[], total: LsTotal): void {
  if (runs.length === 0 && others.length === 0) {
    out.write(`no fleet runs recorded on this machine (registry: ${registryPath()})\n`);
    return;
  }
  const size = (w: { bytes: number; complete: boolean }) => `${w.complete ? '' : '≥ '}${formatBytes(w.bytes)}`;
  let file = '';
  for (const run of runs) {
    if (run.file !== file) {
      file = run.file;
      out.write(`${file}${run.fileExists ? '' : ' (file deleted)'}\n`);
    }
    const counts = Object.entries(run.counts).map(([s, n]) => `${n} ${s}`).join(', ');
    const worktrees = run.worktrees.length === 0 ? 'no worktrees' : `${run.worktrees.length} worktree${run.worktrees.length === 1 ? '' : 's'} ${size({ bytes: run.bytes, complete: run.worktrees.every((w) => w.complete) })}`;
    out.write(`  ${run.runId}  ${describeStatus(run).padEnd(22)} ${run.tasks} task${run.tasks === 1 ? '' : 's'}${counts ? `: ${counts}` : ''} · ${worktrees}\n`);
    for (const w of run.worktrees) out.write(`      ${w.path}  ${w.task ?? ''}${w.missing ? ' (directory gone)' : ''}  ${size(w)}\n`);
  }
  if (others.length > 0) {
    out.write('fleet worktrees with no run on record (`fleet clean` archives and removes them)\n');
    for (const w of others) out.write(`      ${w.path}  ${w.branch?.replace('refs/heads/', '') ?? 'detached'}${w.runId ? ` (run ${w.runId})` : ''}${w.missing ? ' (directory gone)' : ''}  ${size(w)}\n`);
  }
  out.write(`total: ${total.runs} run${total.runs === 1 ? '' : 's'} (${total.live} live), ${total.worktrees} worktree${total.worktrees === 1 ? '' : 's'}, ${size(total)}\n`);
}

function describeStatus(run: LsRun): string {
  switch (run.status) {
    case 'live':
      return `live (pid ${run.pid})`;
    case 'finished':
      return 'finished';
    case 'superseded':
      return 'superseded';
    case 'unfinished':
      return `unfinished${run.exitCode !== null ? ` (exit ${run.exitCode})` : ' (crashed?)'}`;
    case 'abandoned':
      return 'abandoned (file gone)';
    case 'damaged':
      return 'journal unreadable';
  }
}
