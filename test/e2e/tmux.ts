// The real fleet binary in a real terminal: tmux gives it a pty, send-keys types, capture-pane reads
// the screen. Each session runs on its own tmux server (-L), so tests never see or kill anything
// of the user's, and killing the server cleans up everything the test started.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
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
