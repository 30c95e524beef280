import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, stateDirFor } from '../../engine/host/paths.js';
import { attachTo } from '../attach.js';
import { loadSpec } from './load-spec.js';
import { firstProblem, preflight } from '../../engine/preflight.js';
import type { RunOptions } from '../run.js';
import { UserError } from './user-error.js';

const DAEMON_START_MS = 30_000;

/**
 * `fleet run` on a terminal (docs/design.md#processes): the engine runs in a background process detached from
 * the terminal, so a dropped SSH connection loses nothing; this process is only the UI, attached
 * through the run's socket. Config and repo problems are reported here, before anything starts.
 */
export async function runOnTerminal(options: RunOptions & { argv: string[] }): Promise<number> {
  const spec = loadSpec(options.file);
  const problem = firstProblem(await preflight(spec, { ownBranches: () => new Set(spec.tasks.map((t) => t.id)) }));
  if (problem) throw problem;
  const stateDir = ensureDir(await stateDirFor(spec.file));
  // In the state dir, not /tmp: if this terminal dies before cleaning up, nothing strays outside it.
  const ready = join(stateDir, `starting-${process.pid}`);
  rmSync(ready, { force: true });
  const log = join(stateDir, 'daemon.log');
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [process.argv[1]!, 'run', '--daemon', '--ready-file', ready, '-f', spec.file, ...options.argv], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out);
  const logStart = existsSync(log) ? readFileSync(log).length : 0;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  child.unref();
  try {
    const socket = await Promise.race([waitForFile(ready, DAEMON_START_MS), exited]);
    if (typeof socket === 'number') {
      // The engine ended at once (the run had already finished, a lock is held …): show why.
      process.stdout.write(readFileSync(log).subarray(logStart).toString());
      return socket;
    }
    return await attachTo(socket);
  } finally {
    rmSync(ready, { force: true });
  }
}

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8').trim();
      if (text === 'none') throw new UserError('the background engine cannot serve a UI here (its socket directory is not private)', 'run `fleet run --headless`, or fix the permissions of $XDG_RUNTIME_DIR', 3);
      if (text) return text;
    }
  }
  throw new UserError('the background engine did not start in time', 'see daemon.log in the state dir, or run `fleet run --headless`', 3);
}
