// Tests that change process.env put it back: every file's tests share one process.
import { afterEach } from 'vitest';

export const IDENTITY_VARS = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL'] as const;

/** Restores `names` after each test of the calling describe; returns a function that unsets them. */
export function restoreEnvAfterEach(names: readonly string[]): () => void {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  afterEach(() => {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });
  return () => names.forEach((n) => delete process.env[n]);
}
