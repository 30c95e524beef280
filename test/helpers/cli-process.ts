// The real fleet binary as a child process, for tests that kill it like a crash would.
import { spawn, type ChildProcess } from 'node:child_process';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

export interface FleetProcess {
  child: ChildProcess;
  out: () => string;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
}

export function startFleet(cwd: string, ...args: string[]): FleetProcess {
  const child = spawn('node', [CLI, 'run', '--headless', ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? -9 : code)));
  return {
    child,
    out: () => text,
    exit,
    async waitFor(marker, timeoutMs = 20_000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
        if (text.includes(marker)) return;
        if (child.exitCode !== null) break;
      }
      if (!text.includes(marker)) throw new Error(`never saw "${marker}"; output:\n${text}`);
    },
  };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
