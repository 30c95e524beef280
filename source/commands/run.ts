import { writeFileSync } from 'node:fs';
import type { FleetEvent } from '../core/events.js';
import { withConcurrency } from '../config/queue.js';
import { noticeDriver, SYSTEM_CLOCK, terminalBytes } from '../core/notify.js';
import { runExitCode } from '../core/selectors.js';
import type { RunState } from '../core/state.js';
import { ensureDir, stateDirFor } from '../engine/host/paths.js';
import { openRun } from '../engine/run-session.js';
import { eventLine } from '../ui/print/event-line.js';
import { summaryLines } from '../ui/print/summary.js';
import { loadSpec } from './support/load-spec.js';
import { firstProblem, preflight } from '../engine/preflight.js';

export interface RunOptions {
  file?: string;
  concurrency?: number;
  json?: boolean;
  fresh?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Stops the run as SIGINT would (tests, demo). */
  signal?: AbortSignal;
  /** Background engine of the TTY mode: stays up while a UI is attached, even when nothing can progress. */
  daemon?: boolean;
  /** Where the daemon writes its socket path once it serves the run (the terminal UI waits for it). */
  readyFile?: string;
}

/** `fleet run`: start or resume this file's run, headless, until nothing can progress. */
export async function runCommand(options: RunOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let spec = loadSpec(options.file, stderr);
  if (options.concurrency !== undefined) spec = withConcurrency(spec, options.concurrency);
  const stateDir = ensureDir(await stateDirFor(spec.file));

  // Headless on a terminal, this process owns it: it rings it (the engine's hook is separate).
  const how = options.json || options.daemon || (stdout as { isTTY?: boolean }).isTTY !== true ? 'off' : spec.notify.terminal;
  let notices: ReturnType<typeof noticeDriver> | undefined;
  const opened = await openRun({
    spec,
    stateDir,
    fresh: options.fresh,
    signal: options.signal,
    warn: (line) => stderr.write(`${line}\n`),
    async preflight(ownBranches) {
      const checks = await preflight(spec, { ownBranches });
      const problem = firstProblem(checks);
      if (problem) throw problem;
      for (const w of checks.warnings) stderr.write(`warning: ${w}\n`);
      return checks.commonDirs;
    },
    // The daemon's stdout is daemon.log: agent output is in the task logs already, so it is left out.
    onEvent: (state, event) => {
      if (!(options.daemon && event.type === 'progress')) print(event, state, options.json === true, stdout);
      if (how === 'off' || event.type === 'progress') return;
      notices ??= noticeDriver(state, SYSTEM_CLOCK, (n) => stdout.write(terminalBytes(n, how)));
      notices.update(state);
    },
  });
  if (opened.kind === 'finished') {
    const { state } = opened.run;
    for (const line of summaryLines(state)) stdout.write(`${line}\n`);
    stdout.write('(this run already finished; `fleet run --fresh` starts a new one)\n');
    return state.stopped?.exitCode ?? runExitCode(state);
  }

  const { session } = opened;
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  let exitCode: number;
  try {
    const socket = await session.serve();
    if (options.readyFile) writeFileSync(options.readyFile, socket ?? 'none');
    signal = await session.untilSettled({ daemon: options.daemon });
  } finally {
    exitCode = await session.stop(signal);
    notices?.stop();
  }
  if (!options.json) for (const line of summaryLines(session.store.state)) stdout.write(`${line}\n`);
  return exitCode;
}

function print(event: FleetEvent, state: RunState, json: boolean, out: NodeJS.WritableStream): void {
  if (json) {
    out.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const line = eventLine(event, state);
  if (line !== undefined) out.write(`${line}\n`);
}
