// Runs fleet in-process against temp repos, capturing what a user would see.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCommand, type RunOptions } from '../../source/commands/run.js';
import { main } from '../../source/commands/main.js';
import { printUserError, UserError } from '../../source/commands/support/user-error.js';
import { stateDirFor } from '../../source/engine/host/paths.js';
import { latestRunOf } from '../../source/engine/host/runs.js';
import type { RunState } from '../../source/core/state.js';
import type { FleetEvent } from '../../source/core/events.js';
import { readJournal } from '../../source/engine/journal.js';

export const AGENTS = new URL('../fixtures/agents/', import.meta.url).pathname;

/** `sh <fixture> args…` as a run: command, each argument single-quoted. */
export function agent(name: string, ...args: string[]): string {
  return ['sh', `${AGENTS}${name}.sh`, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface FleetResult {
  code: number;
  out: string;
  err: string;
}

/** `fleet run` on <dir>/fleet.yaml; a UserError becomes its exit code and message, as the CLI does. */
export async function runFleet(dir: string, options: Partial<RunOptions> = {}): Promise<FleetResult> {
  const out = new Capture();
  const err = new Capture();
  try {
    const code = await runCommand({ file: join(dir, 'fleet.yaml'), stdout: out, stderr: err, ...options });
    return { code, out: out.text, err: err.text };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    printUserError(error, err);
    return { code: error.exitCode, out: out.text, err: err.text };
  }
}

/** Any fleet command line, in-process, with cwd set for its duration. */
export async function fleetCli(cwd: string, ...argv: string[]): Promise<FleetResult> {
  const out = new Capture();
  const err = new Capture();
  const saved = { cwd: process.cwd(), write: process.stdout.write, ewrite: process.stderr.write };
  process.chdir(cwd);
  process.stdout.write = ((chunk: string | Uint8Array) => out.write(chunk)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.write(chunk)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: out.text, err: err.text };
  } finally {
    process.stdout.write = saved.write;
    process.stderr.write = saved.ewrite;
    process.chdir(saved.cwd);
  }
}

export function writeFleet(dir: string, yaml: string): void {
  writeFileSync(join(dir, 'fleet.yaml'), yaml);
}

/** Polls `ok` (every `everyMs`, `tries` times) until it holds; throws naming `what` if it never does. */
export async function until(what: string, ok: () => boolean, { tries = 400, everyMs = 50 } = {}): Promise<void> {
  for (let i = 0; i < tries && !ok(); i++) await new Promise((r) => setTimeout(r, everyMs));
  if (!ok()) throw new Error(`never saw ${what}`);
}

/** Every event the last run of <dir>/fleet.yaml journaled. */
export async function lastJournal(dir: string): Promise<FleetEvent[]> {
  const file = join(dir, 'fleet.yaml');
  const run = latestRunOf(await stateDirFor(file), file);
  if (!run) throw new Error('no run recorded');
  return readJournal(run.paths.journal);
}

export async function lastRun(dir: string): Promise<RunState> {
  const file = join(dir, 'fleet.yaml');
  const run = latestRunOf(await stateDirFor(file), file);
  if (!run) throw new Error('no run recorded');
  return run.state;
}

/** Starts a run in-process; `seen` resolves once its output contains `marker`, `abort` stops it as SIGINT would. */
export function startRun(dir: string, marker: string) {
  const out = new Capture();
  const abort = new AbortController();
  const done = runCommand({ file: join(dir, 'fleet.yaml'), stdout: out, stderr: out, signal: abort.signal });
  const seen = until(`"${marker}" in the output`, () => out.text.includes(marker), { tries: 600 }).catch(() => {
    throw new Error(`never saw "${marker}" in:\n${out.text}`);
  });
  return { out, abort, done, seen };
}
