// Starting git through a few long-lived `sh` processes instead of from node itself. Every spawn
// forks the calling process, and forking fleet's engine (hundreds of MB mapped) costs ~10–16 ms of
// its main thread per git call on a loaded machine — more than most git calls take to run; a tiny
// shell forks in well under a millisecond (docs/design.md#git-procedures, "Starting git").
// Only exec.ts uses this. Output comes back on the shell's own stdout and stderr, each closed by a
// random marker, so nothing is written to disk; stdin, when a call has one, goes through a
// temporary file that is removed as soon as the call is done (or, after a kill -9, by the next
// fleet to start git).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Names the fleet engine whose git call a process is (`<run id>/<engine pid>`, git/exec.ts):
 * a resuming engine waits for the dead one's (docs/design.md#crash-safety). Set on each call's
 * git only, never on a shell itself: an idle shell is no git at work.
 */
export const GIT_OWNER_VAR = 'FLEET_GIT_OWNER';

/** Exit status of a call whose directory the shell could not enter. */
export const NO_DIRECTORY = 199;
const POOL_SIZE = 6;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Shell {
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
  marker: string;
  out: Buffer[];
  err: Buffer[];
  done?: () => void;
  fail?: (error: Error) => void;
  dead: boolean;
}

const idle: Shell[] = [];
const all = new Set<Shell>();
const waiting: ((shell: Shell) => void)[] = [];
let serial = 0;
export const inputDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `git <args>` in `cwd` with exactly `env`, through a pooled shell. Undefined when a shell
 * cannot express the call (an environment variable whose name sh cannot export): the caller
 * spawns git itself.
 */
export async function runInShell(cwd: string, args: string[], env: NodeJS.ProcessEnv, input: string | undefined): Promise<ShellResult | undefined> {
  const shell = await take(env);
  const exports = envChanges(shell.env, env);
  if (exports === undefined) {
    release(shell);
    return undefined;
  }
  const inputFile = input === undefined ? undefined : join(inputDir, `fleet-git-${process.pid}-${++serial}.in`);
  try {
    if (inputFile !== undefined && input !== undefined) {
      const written = await writeFile(inputFile, input, { mode: 0o600 }).then(() => true, () => false);
      if (!written) {
        release(shell);
        return undefined;
      }
    }
    const command =
      `( cd -- ${quote(cwd)} 2>/dev/null || exit ${NO_DIRECTORY}; ${exports}exec git ${args.map(quote).join(' ')} ) ` +
      `<${inputFile ? quote(inputFile) : '/dev/null'}; printf '%s%s\\n' ${shell.marker} "$?"; printf '%s' ${shell.marker} >&2\n`;
    return await send(shell, command);
  } finally {
    if (inputFile) await rm(inputFile, { force: true });
  }
}

/** `export`/`unset` lines that turn the shell's environment into `want`; undefined when sh cannot say it. */
function envChanges(have: NodeJS.ProcessEnv, want: NodeJS.ProcessEnv): string | undefined {
  let script = '';
  for (const [name, value] of Object.entries(want)) {
    if (value === undefined || have[name] === value) continue;
    if (!NAME.test(name)) return undefined;
    script += `export ${name}=${quote(value)}; `;
  }
  for (const name of Object.keys(have)) {
    if (want[name] !== undefined) continue;
    if (!NAME.test(name)) return undefined;
    script += `unset ${name}; `;
  }
  return script;
}

/** Undefined when the shell was gone before the command was written (nothing ran); rejects when it dies during the call. */
function send(shell: Shell, command: string): Promise<ShellResult | undefined> {
  return new Promise<ShellResult | undefined>((resolve, reject) => {
    shell.out = [];
    shell.err = [];
    // Held only while a call is in flight: an idle pool never keeps fleet running.
    for (const stream of [shell.child.stdout, shell.child.stderr]) (stream as unknown as { ref(): void }).ref();
    shell.done = () => {
      const result = parse(shell);
      if (result === undefined) return;
      shell.done = undefined;
      shell.fail = undefined;
      release(shell);
      resolve(result);
    };
    shell.fail = reject;
    if (shell.dead) resolve(undefined);
    else shell.child.stdin!.write(command);
  });
}

/**
 * The result once both streams carry the marker: stdout ends `<marker><status>\n`, stderr
 * `<marker>`. Called on every chunk, so it looks at the streams' tails and joins the whole output
 * only once, when the call is over (a large diff arrives in hundreds of chunks).
 */
function parse(shell: Shell): ShellResult | undefined {
  const marker = Buffer.from(shell.marker);
  if (!tail(shell.err, marker.length).equals(marker)) return undefined;
  const end = tail(shell.out, marker.length + STATUS_ROOM);
  if (end.at(-1) !== 0x0a || end.lastIndexOf(marker) === -1) return undefined;
  const out = Buffer.concat(shell.out);
  const err = Buffer.concat(shell.err);
  const at = out.lastIndexOf(shell.marker);
  const status = Number(out.subarray(at + shell.marker.length, -1).toString());
  return {
    exitCode: status,
    stdout: out.subarray(0, at).toString(),
    stderr: err.subarray(0, -shell.marker.length).toString(),
  };
}

/** Digits of an exit status and the newline after the marker. */
const STATUS_ROOM = 5;

/** The last `n` bytes of what `chunks` hold together (fewer if they hold less), joining only the chunks needed. */
function tail(chunks: readonly Buffer[], n: number): Buffer {
  let size = 0;
  let from = chunks.length;
  while (from > 0 && size < n) size += chunks[--from]!.length;
  const joined = from === chunks.length - 1 ? chunks[from]! : Buffer.concat(chunks.slice(from));
  return joined.subarray(Math.max(0, joined.length - n));
}

async function take(env: NodeJS.ProcessEnv): Promise<Shell> {
  await (swept ??= sweepStale());
  const shell = idle.pop();
  if (shell) return shell;
  if (all.size < POOL_SIZE) return start(env);
  return new Promise((resolve) => waiting.push(resolve));
}

let swept: Promise<void> | undefined;

/** Input files a fleet killed mid-call (kill -9) left behind; removed by the next fleet, once. */
async function sweepStale(): Promise<void> {
  const names = await readdir(inputDir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^fleet-git-(\d+)-\d+\.in$/.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) await rm(join(inputDir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function release(shell: Shell): void {
  if (shell.dead) return;
  for (const stream of [shell.child.stdout, shell.child.stderr]) (stream as unknown as { unref(): void }).unref();
  const next = waiting.shift();
  if (next) next(shell);
  else idle.push(shell);
}

function start(callEnv: NodeJS.ProcessEnv): Shell {
  const env = { ...callEnv };
  delete env[GIT_OWNER_VAR];
  // /bin/sh by path: the caller's PATH is for git (a test may empty it), not for the pool.
  const child = spawn('/bin/sh', [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const shell: Shell = { child, env, marker: `:fleet-${randomBytes(12).toString('hex')}:`, out: [], err: [], dead: false };
  // No pid: it never started; send() sees it dead and the call goes to execa.
  if (child.pid === undefined) shell.dead = true;
  else all.add(shell);
  child.stdout!.on('data', (chunk: Buffer) => {
    shell.out.push(chunk);
    shell.done?.();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    shell.err.push(chunk);
    shell.done?.();
  });
  child.stdin!.on('error', () => undefined);
  const died = () => {
    if (!all.delete(shell)) return;
    shell.dead = true;
    shell.done?.(); // its last output may have come with the end of the streams
    shell.fail?.(new Error('the shell running git exited during the call'));
    const i = idle.indexOf(shell);
    if (i !== -1) idle.splice(i, 1);
    // A caller waiting for a shell gets a fresh one instead.
    const next = waiting.shift();
    if (next) next(start(env));
  };
  child.on('error', died);
  // 'close', not 'exit': every byte of output has been read by then.
  child.on('close', died);
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref(): void }).unref();
  return shell;
}

/**
 * Lets every shell finish its call and exit, and waits for them (at most `timeoutMs`): a run
 * that ends this way leaves no shell behind to be adopted by init, so its git processes count as
 * its own (benchmarks read the CPU of a command's whole process tree). Later calls start new ones.
 */
export async function closeShells(timeoutMs = 2000): Promise<void> {
  const closing = [...all].map(
    (shell) =>
      new Promise<void>((resolve) => {
        shell.child.once('close', () => resolve());
        shell.child.stdin!.end();
      }),
  );
  idle.length = 0;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(closing), late]);
  clearTimeout(timer);
}
