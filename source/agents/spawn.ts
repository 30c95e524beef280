import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SpawnSpec {
  /** argv; argv[0] is looked up on PATH. */
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr go straight to this file (appended); fleet never pipes agent output. */
  logFile: string;
  /** A file to read as stdin, or undefined for /dev/null. */
  stdinFile?: string;
}

export interface ExitStatus {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
}

export interface Spawned {
  pid: number;
  exited: Promise<ExitStatus>;
}

/**
 * Starts a process in its own session and process group, detached from fleet's terminal, so a
 * hang-up does not reach it and the whole group can be signalled at once.
 */
export function spawnDetached(spec: SpawnSpec): Spawned {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  const input = spec.stdinFile ? openSync(spec.stdinFile, 'r') : 'ignore';
  try {
    const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [input, out, out],
    });
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ exitCode: null, signal: null, spawnError: spawnErrorMessage(spec.argv[0]!, error) }),
      );
      child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
    });
    // The child holds its own copies of the descriptors.
    return { pid: child.pid ?? -1, exited };
  } finally {
    closeSync(out);
    if (typeof input === 'number') closeSync(input);
  }
}

function spawnErrorMessage(program: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${program} was not found on PATH`;
  if (error.code === 'EACCES') return `${program} is not executable`;
  return `${program} could not start: ${error.message}`;
}

/** Signals a whole process group; false when it no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
