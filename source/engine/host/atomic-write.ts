import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/** write tmp → fsync → rename: readers see the old file or the new one, never half of either. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
