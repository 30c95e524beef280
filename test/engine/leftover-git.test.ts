// The wait of a resuming engine for the git calls a killed one left running (docs/design.md#crash-safety).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_OWNER_VAR } from '../../source/git/exec.js';
import { leftoverGit, waitForLeftoverGit } from '../../source/engine/host/leftover-git.js';

const RUN = '20260101-000000-left';
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // the sleep too
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && leftoverGit(RUN).length > 0; i++) await new Promise((r) => setTimeout(r, 20)); // a kill takes a moment
});

/** A stand-in for a git call of the engine with pid `pid`: sleeps `seconds`, and its children carry the mark too. */
function marked(owner: string, seconds: number): ChildProcess {
  const child = spawn('/bin/sh', ['-c', `sleep ${seconds}; true`], { env: { ...process.env, [GIT_OWNER_VAR]: owner }, stdio: 'ignore', detached: true });
  started.push(child);
  return child;
}

describe.runIf(process.platform === 'linux')('waiting for the git calls of a killed engine', () => {
  it('finds the calls of another engine of the run, not its own nor another run’s', () => {
    const theirs = marked(`${RUN}/1`, 5);
    const own = marked(`${RUN}/${process.pid}`, 5);
    const other = marked(`${RUN}x/1`, 5);
    const found = leftoverGit(RUN);
    expect(found).toContain(theirs.pid);
    expect(found).not.toContain(own.pid);
    expect(found).not.toContain(other.pid);
  });

  it('returns once they have ended, saying what it waits for', async () => {
    const child = marked(`${RUN}/1`, 1);
    const lines: string[] = [];
    const t0 = Date.now();
    await waitForLeftoverGit(RUN, (l) => lines.push(l));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(leftoverGit(RUN)).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`waiting for`);
    expect(lines[0]).toContain(String(child.pid));
  });

  it('gives up after its time, with a warning, and leaves them running', async () => {
    const child = marked(`${RUN}/1`, 30);
    const lines: string[] = [];
    await waitForLeftoverGit(RUN, (l) => lines.push(l), 300);
    expect(lines[1]).toMatch(/^warning: .*still running/);
    expect(leftoverGit(RUN)).toContain(child.pid);
  });

  it('does not wait when there is nothing to wait for', async () => {
    const lines: string[] = [];
    await waitForLeftoverGit(RUN, (l) => lines.push(l));
    expect(lines).toEqual([]);
  });
});
