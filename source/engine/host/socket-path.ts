import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Sockets live in a short, private directory: Unix socket paths are cut at ~108 bytes, and Node
 * cannot ask a peer for its uid, so the directory itself (a real directory, ours, mode 0700) is
 * the access check, made by server and client alike.
 */
export function socketDir(): string {
  const uid = process.getuid?.() ?? 0;
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime && runtime.length < 60 ? join(runtime, 'fleet') : join(tmpdir(), `fleet-${uid}`);
}

export function socketPathFor(stateDir: string, runId: string): string {
  const hash = createHash('sha256').update(`${stateDir}\0${runId}`).digest('hex').slice(0, 16);
  return join(socketDir(), `${hash}.sock`);
}

export class UnsafeSocketDir extends Error {}

/** Creates the directory if needed, then refuses unless it is a real directory we own with mode 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivateDir(dir);
}

export function checkPrivateDir(dir: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || st.isSymbolicLink()) throw new UnsafeSocketDir(`${dir} is not a plain directory`);
  if (uid !== undefined && st.uid !== uid) throw new UnsafeSocketDir(`${dir} belongs to another user`);
  if ((st.mode & 0o777) !== 0o700) throw new UnsafeSocketDir(`${dir} is accessible to other users (mode ${(st.mode & 0o777).toString(8)})`);
}

/** The client's extra check: the socket file itself must be ours. */
export function checkSocketOwner(path: string): void {
  const st = lstatSync(path);
  const uid = process.getuid?.();
  if (!st.isSocket()) throw new UnsafeSocketDir(`${path} is not a socket`);
  if (uid !== undefined && st.uid !== uid) throw new UnsafeSocketDir(`${path} belongs to another user`);
}
