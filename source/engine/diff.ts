import { sanitizeText } from '../agents/sanitize.js';
import { archiveRef, branchRef, candidateBranchName } from '../core/names.js';
import type { TaskRecord } from '../core/state.js';
import { diffText, mergeBase } from '../git/diff.js';
import { GitError } from '../git/exec.js';
import { readRef } from '../git/refs.js';

/** The pager git itself would use in that repository (GIT_PAGER, core.pager, PAGER). */
export { gitPager as diffPager } from '../git/diff.js';

// What a task changed, for `fleet diff` and the UI's diff view: the engine (or the command) runs
// git; the UI only ever gets the lines. File names and contents are the agent's writing, so they
// go through the same sanitizer as its output (colour survives, nothing else).

export class DiffUnavailable extends Error {}

export interface DiffRequest {
  repo: string;
  runId: string;
  record: TaskRecord;
  /** An archived attempt of this run instead of the task's current work. */
  attempt?: number;
  stat?: boolean;
  color?: boolean;
  /** Keep only the first lines: the UI shows a bounded view, and sanitizing the rest would be wasted. */
  maxLines?: number;
}

export interface TaskDiff {
  /** The two commits compared, and what they are ("merge 1a2b3c4", "branch fleet/x"…). */
  from: string;
  to: string;
  what: string;
  lines: string[];
}

/** merge-base..tip: the merge commit of a merged task, the archive ref of an attempt, else its branch. */
export async function taskDiff(request: DiffRequest): Promise<TaskDiff> {
  const { repo, record } = request;
  const range = await rangeOf(request);
  const first = !request.attempt && record.state === 'review' && record.review?.reason === 'conflict' ? record.review.paths : undefined;
  const text = await diffText(repo, range.from, range.to, { stat: request.stat, color: request.color, first }).catch((error: unknown) => {
    // A commit gone from the repository (a gc after a reset, a moved repo): a sentence, not a trace.
    if (!(error instanceof GitError)) throw error;
    const why = error.stderr.split('\n').find((l) => l.trim() !== '') ?? error.message;
    throw new DiffUnavailable(`git could not diff ${record.key} (${range.what}) in ${repo}: ${why}`);
  });
  const kept = request.maxLines === undefined ? text : firstLines(text, request.maxLines);
  const lines = kept === '' ? [] : sanitizeText(kept);
  return { ...range, lines: request.maxLines === undefined ? lines : lines.slice(0, request.maxLines) };
}

/** Up to the end of line `count`, without splitting the text (a large diff is cut before it is sanitized). */
function firstLines(text: string, count: number): string {
  let end = -1;
  for (let n = 0; n < count; n++) {
    end = text.indexOf('\n', end + 1);
    if (end === -1) return text;
  }
  return text.slice(0, end + 1);
}

async function rangeOf({ repo, runId, record, attempt }: DiffRequest): Promise<Omit<TaskDiff, 'lines'>> {
  const base = `refs/heads/${record.base}`;
  if (attempt !== undefined) {
    const ref = archiveRef(record.id, runId, attempt);
    const to = await readRef(repo, ref);
    if (!to) {
      const kept = record.archives.length > 0 ? `its archives are ${record.archives.join(', ')}` : 'it has no archived attempt';
      throw new DiffUnavailable(`${record.key} has no archived attempt ${attempt} in run ${runId}; ${kept}`);
    }
    return { from: (await mergeBase(repo, base, to)) ?? `${to}~1`, to, what: ref };
  }
  if (record.mergedCommit) {
    return { from: `${record.mergedCommit}^1`, to: record.mergedCommit, what: `merge ${record.mergedCommit.slice(0, 12)} into ${record.base}` };
  }
  // Best-of-N: once picked, the winner's branch is the task's (docs/config.md#candidates).
  const branch = record.picked ? `refs/heads/${candidateBranchName(record.id, record.picked.candidate)}` : branchRef(record.id);
  const to = await readRef(repo, branch);
  if (!to) throw new DiffUnavailable(`${record.key} has no change to show: it is ${record.state} and has no branch`);
  return { from: (await mergeBase(repo, base, to)) ?? record.baseSha ?? to, to, what: branch.replace('refs/heads/', 'branch ') };
}
