// The real fleet binary in a real terminal: tmux gives it a pty, send-keys types, capture-pane reads
// the screen. Each session runs on its own tmux server (-L), so tests never see or kill anything
// of the user's, and killing the server cleans up everything the test started.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The test's own HOME and XDG dirs (test/helpers/setup-env.ts) for a fleet in tmux, plus `extra`. */
export function fleetEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keys = ['HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM', 'PATH'];
  return { ...Object.fromEntries(keys.map((k) => [k, process.env[k] ?? ''])), ...extra };
}

/** The engine runs detached from the terminal on purpose: stop it like a user would. */
export async function stopEngine(dir: string): Promise<void> {
  let pid: number | undefined;
  try {
    pid = (JSON.parse(readFileSync(join(dir, '.git', 'fleet', 'lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return; // no engine holds the repo
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let counter = 0;

export class TmuxSession {
  readonly server = `fleet-e2e-${process.pid}-${counter++}`;

  constructor(
    command: string[],
    opts: { cwd: string; cols: number; rows: number; env?: Record<string, string> },
  ) {
    // CI=true makes Ink draw only the final frame: the pane must not inherit it.
    const env = Object.entries({ TERM: 'xterm-256color', ...opts.env }).map(([k, v]) => `${k}=${v}`);
    const shellCommand = ['env', '-u', 'CI', ...env, ...command].map(quote).join(' ');
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(opts.cols), '-y', String(opts.rows), '-c', opts.cwd, `${shellCommand}; echo "[exited $?]"; sleep 600`);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Appends every byte the program writes to its terminal to `file` (escape sequences included). */
  record(file: string): void {
    this.tmux('pipe-pane', '-t', 'main', '-o', `cat >> ${quote(file)}`);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Types literal text (no key-name lookup). */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows));
  }

  async waitFor(what: string | RegExp, timeoutMs = 20_000): Promise<string> {
    let screen = '';
    for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      screen = this.screen();
      if (typeof what === 'string' ? screen.includes(what) : what.test(screen)) return screen;
    }
    throw new Error(`screen never showed ${String(what)}:\n${screen}`);
  }

  kill(): void {
    let socket = '';
    try {
      socket = this.tmux('display-message', '-p', '#{socket_path}').trim();
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    if (socket) rmSync(socket, { force: true });
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
