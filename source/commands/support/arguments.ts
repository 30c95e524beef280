// How the CLI reads its arguments: option values checked as commander parses them, and one line
// of help per task action.
import { InvalidArgumentError } from 'commander';
import type { TaskAction } from '../../core/actions.js';

export const ACTION_HELP: Record<TaskAction, string> = {
  retry: 'start a fresh attempt (the old one is archived first)',
  requeue: 'send a reviewed task back to the merge queue (re-checked if it changed)',
  resolve: "merge the base into a conflicted task's branch and let its agent resolve the conflict",
  accept: 'mark done without merging (archived; dependents start from the current base)',
  discard: 'archive the work, remove worktree and branch',
  cancel: 'stop the task; its worktree and branch are kept',
  pause: 'stop a running task (SIGSTOP) or hold a pending one',
  resume: 'continue a paused or held task',
  approve: 'let a task awaiting approval (approve: true) into the merge queue',
  pick: 'overrule the pick among a task\'s candidates before it merges: candidate N, else the next one that passed',
  revise: "send comments to a task's agent: it revises its change in the same worktree and branch",
};

/** A parser for a whole number from `min` to `max`, refusing anything else in one sentence. */
export function wholeNumber(min: number, max = Infinity, what = 'a whole number'): (value: string) => number {
  return (value) => {
    const n = Number(value);
    // Past 2^53 a number is no longer exact: "whole" cannot be promised, so it is refused as one.
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what} from ${min}${max === Infinity ? '' : ` to ${max}`}`);
    }
    return n;
  };
}

export function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}
