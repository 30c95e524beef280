// Precedence for the keys that `defaults`, a project and a task share: task > project >
// defaults > built-in. Each value remembers where it came from, so an error about an inherited
// value points at the line that set it, once, rather than at every task that inherits it.
import { basename, dirname, join, resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import type { BudgetCap, GateFailurePolicy, MergeMode } from '../core/fleet.js';
import type { PathSegment } from './issue.js';
import type { RawSettings } from './schema.js';

export interface Layer {
  values: Partial<RawSettings>;
  path: PathSegment[];
}

export interface Picked<T> {
  value: T;
  /** Where the value was written; undefined for a built-in default. */
  from: PathSegment[] | undefined;
}

export const BUILT_IN = {
  agent: 'claude',
  base: 'main',
  setup: [] as string[],
  check: [] as string[],
  copy: [] as string[],
  link: [] as string[],
  merge: 'merge' as MergeMode,
  timeout: parseDuration('45m')!,
  retries: 1,
  on_gate_failure: 'review' as GateFailurePolicy,
  approve: false,
  model: undefined as string | undefined,
  budget: undefined as BudgetCap | undefined,
  resume_session: true,
};

type Shared = keyof typeof BUILT_IN;

/** `layers` run from the most specific (task) to the least (defaults). */
export function pick<K extends Shared>(layers: readonly Layer[], key: K): Picked<(typeof BUILT_IN)[K]> {
  for (const layer of layers) {
    const value = layer.values[key];
    if (value !== undefined) return { value: copy(value) as (typeof BUILT_IN)[K], from: [...layer.path, key] };
  }
  return { value: copy(BUILT_IN[key]) as (typeof BUILT_IN)[K], from: undefined };
}

// Tasks must not share arrays: the spec is plain data a consumer may change per task.
function copy<T>(value: T): T {
  return (Array.isArray(value) ? [...value] : value) as T;
}

/** `worktrees` is relative to the project's repository; the default sits beside it. */
export function worktreeDir(layers: readonly Layer[], projectPath: string): Picked<string> {
  for (const layer of layers) {
    const value = layer.values.worktrees;
    if (value !== undefined) return { value: resolve(projectPath, value), from: [...layer.path, 'worktrees'] };
  }
  return { value: join(dirname(projectPath), `${basename(projectPath)}.worktrees`), from: undefined };
}
