// `fleet clean`: finds what fleet left behind — task and gate worktrees, fleet/* branches,
// refs/fleet/<run>/* refs, stale locks — that no live run owns, archives anything holding work
// that is not merged, removes the rest, and says what it did, one line per action.
// Gathering is engine/clean/inventory.ts, the policy engine/clean/plan.ts, the doing
// engine/clean/apply.ts; this file holds the options and the printing (docs/clean.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { applyClean } from '../engine/clean/apply.js';
import { findCleanScope, gatherCleanInventory } from '../engine/clean/inventory.js';
import { CleanRunningError, inspectCleanLocks, takeCleanLocks, type CleanLocks } from '../engine/clean/locks.js';
import { planClean } from '../engine/clean/plan.js';
import { forgetSpecs } from '../engine/host/inventory.js';
import { unregister } from '../engine/host/registry.js';
import { UserError } from './support/user-error.js';

export interface CleanOptions {
  /** Where "the repository here" and ./fleet.yaml are looked for (default: process.cwd()). */
  cwd?: string;
  /** A fleet file whose projects are cleaned too (default: ./fleet.yaml when it exists). */
  file?: string;
  /** Every repository in the machine's registry, not just this one. */
  all?: boolean;
  dryRun?: boolean;
  /** e.g. "30d": also delete archive refs older than this. Without it archives are never deleted. */
  archivesOlderThan?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export async function cleanCommand(options: CleanOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const say = (line: string) => out.write(`${line}\n`);
  const dryRun = options.dryRun === true;
  const age = options.archivesOlderThan;
  const maxAge = age === undefined ? undefined : parseAge(age);
  if (age !== undefined && maxAge === undefined) {
    throw new UserError(`"${age}" is not an age`, 'write it as a number and a unit, e.g. 30d, 2w, 12h', 2);
  }
  const cwd = options.cwd ?? process.cwd();
  if (options.file && !existsSync(resolve(cwd, options.file))) throw new UserError(`${options.file} does not exist`, 'check the path given to -f', 2);

  forgetSpecs();
  const scope = await findCleanScope({ cwd, file: options.file ?? 'fleet.yaml', all: options.all === true, warn: (line) => stderr.write(`${line}\n`) });
  if (scope.repos.size === 0) {
    throw new UserError(
      options.all ? 'no repository to clean: none is registered and this is not one' : 'this is not inside a git repository',
      'run `fleet clean` inside the repository to clean (or beside its fleet.yaml), or use `fleet clean --all`',
      2,
    );
  }
  const lockScope = { commonDirs: [...scope.repos.keys()], stateDirs: scope.stateDirs };
  let locks: CleanLocks;
  try {
    locks = dryRun ? inspectCleanLocks(lockScope) : takeCleanLocks(lockScope);
  } catch (error) {
    if (error instanceof CleanRunningError) throw new UserError(error.message, 'wait for it to finish', 3);
    throw error;
  }
  try {
    for (const line of locks.lines) say(line);
    const inventory = await gatherCleanInventory(scope, locks, maxAge === undefined ? undefined : { ms: maxAge, text: age! });
    const plan = planClean(inventory);
    let acted = locks.lines.length + plan.actions.length;
    if (options.all && !dryRun) {
      for (const e of unregister((entry) => !existsSync(entry.stateDir))) {
        say(`forgot ${e.file} in the registry: its state dir ${e.stateDir} is gone`);
        acted++;
      }
    }
    const failures = await applyClean(plan.actions, { dryRun, say });
    for (const note of plan.notes) say(note);
    if (acted === 0) say('nothing to clean');
    else if (dryRun) say('(dry run: nothing was changed)');
    return failures > 0 ? 1 : 0;
  } finally {
    locks.release();
  }
}

/** "30d", "2w", "12h", "1d12h": parseDuration's units plus days and weeks; a bare number is refused. */
export function parseAge(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return parseDuration(trimmed.replace(/(\d+(?:\.\d+)?)([dw])/g, (_, n: string, unit: string) => `${Number(n) * (unit === 'w' ? 168 : 24)}h`));
}
