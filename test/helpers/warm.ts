// What the warm-worktree tests share (docs/design.md#warm-worktrees): one slot held by `first`
// until a flag appears, so the other tasks wait in warm worktrees; runs that are stopped after
// each test even when an assertion fails.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { TempRepo } from './repo.js';
import { agent, startRun, writeFleet } from './fleet.js';
import { startFleet } from './cli-process.js';

export const checkedOut = (r: TempRepo, branch: string) => r.git('worktree', 'list', '--porcelain').includes(`branch refs/heads/${branch}\n`);
export const warmPath = (r: TempRepo, id: string) => join(r.root, 'repo.worktrees', id);
/**
 * Made, files and all: `worktree add --no-checkout` registers the worktree before `reset --hard`
 * writes its files and then its index. Writing there before that races fleet's own checkout.
 */
export const warmed = (r: TempRepo, id: string) => checkedOut(r, `fleet/${id}`) && existsSync(join(r.dir, '.git', 'worktrees', id, 'index'));
export const plain = (id: string) => `  - { id: ${id}, run: "${agent('edit', `${id}.txt`, id)}" }`;

/**
 * Call after `tempRepos()`: its afterEach then runs first, so a failed assertion leaves no agent
 * waiting for a flag in a deleted directory, nor a fleet running.
 */
export function warmRuns() {
  const flags: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const flag of flags.splice(0)) writeFileSync(flag, '');
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });
  /** A flag file, written after the test if the test did not. */
  const flag = (r: TempRepo, name = 'flag'): string => {
    const path = join(r.root, name);
    flags.push(path);
    return path;
  };
  return {
    flag,
    /** One slot: `first` holds it until the returned flag appears, so the others wait for it with warm worktrees. */
    oneSlot(r: TempRepo, others: string[]): string {
      const path = flag(r);
      const tasks = [`  - { id: first, run: "${agent('wait-for', path, 'first.txt')}" }`, ...others].join('\n');
      writeFleet(r.dir, `version: 1\nconcurrency: 1\ndefaults: { retries: 0 }\ntasks:\n${tasks}\n`);
      return path;
    },
    /** The run in-process, stopped after the test if it is still going. */
    started(r: TempRepo, marker = 'first: running'): ReturnType<typeof startRun> {
      const run = startRun(r.dir, marker);
      stops.push(() => {
        run.abort.abort();
        return run.done.catch(() => undefined);
      });
      return run;
    },
    /**
     * The binary, killed after the test if it is still going, with the agents it started: after a
     * kill -9 they run on, detached, in process groups of their own.
     */
    spawned(r: TempRepo, ...args: string[]): ReturnType<typeof startFleet> {
      const fleet = startFleet(r.dir, ...args);
      stops.push(async () => {
        fleet.child.kill('SIGKILL');
        for (const [, pid] of fleet.out().matchAll(/: running \(pid (\d+)/g)) {
          try {
            process.kill(-Number(pid), 'SIGKILL');
          } catch {
            // gone already
          }
        }
      });
      return fleet;
    },
  };
}
