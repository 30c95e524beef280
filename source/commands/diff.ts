import { spawn } from 'node:child_process';
import { DiffUnavailable, diffPager, taskDiff } from '../engine/diff.js';
import { findRun, resolveKey } from './support/find-run.js';
import { loadSpec } from './support/load-spec.js';
import { UserError } from './support/user-error.js';

export interface DiffOptions {
  file?: string;
  stat?: boolean;
  attempt?: number;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * `fleet diff ID [--stat] [--attempt N]`: git's diff of the task's change against its base,
 * coloured in the pager on a terminal, plain when piped (docs/ui.md has the same in the UI).
 */
export async function diffCommand(id: string, options: DiffOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const run = await findRun(options.file);
  const key = resolveKey(id, run.state.order);
  const record = run.state.tasks[key]!;
  const project = loadSpec(options.file ?? run.state.file).projects.find((p) => p.name === record.project);
  if (!project) throw new UserError(`the fleet file no longer has project ${record.project}`, 'pass the fleet file of that run with -f', 2);
  const terminal = out.isTTY === true;
  let diff;
  try {
    diff = await taskDiff({ repo: project.path, runId: run.meta.runId, record, attempt: options.attempt, stat: options.stat, color: terminal });
  } catch (error) {
    if (error instanceof DiffUnavailable) throw new UserError(error.message, '`fleet status` shows each task and its archives', 2);
    throw error;
  }
  const text = diff.lines.length > 0 ? `${diff.lines.join('\n')}\n` : '';
  if (!terminal || text === '') {
    out.write(text === '' ? `${key}: no changes between ${diff.from.slice(0, 12)} and ${diff.what}\n` : text);
    return 0;
  }
  await page(await diffPager(project.path), text);
  return 0;
}

/** Hands the text to the pager as git does (LESS=FRX unless set: quit if it fits, keep colour). */
function page(pager: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', LV: '-c', ...process.env } });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.on('error', () => undefined); // the user quit the pager early
    child.stdin.end(text);
  });
}
