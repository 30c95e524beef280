// Carries out a `fleet clean` plan (engine/clean/plan.ts), one line per action saying what was done
// and where the work went. An action that fails is reported and the rest still run, except that a
// run whose leftovers could not all be removed is not marked superseded.
import { localRunner } from '../../agents/runner.js';
import { archiveAndRemove, removeTaskWorktree } from '../../git/archive.js';
import { deleteRef } from '../../git/refs.js';
import { prunableRecords } from '../../git/leftovers.js';
import { pruneWorktrees, removeWorktree } from '../../git/worktree.js';
import type { CleanAction, CleanRun, CleanupRecord, StopTarget } from './model.js';
import { runPaths } from '../host/paths.js';
import { appendToStoppedRun } from '../host/stopped-run.js';

/** Runs (or with `dryRun` only names) every action; returns how many failed. */
export async function applyClean(actions: CleanAction[], options: { dryRun: boolean; say: (line: string) => void }): Promise<number> {
  let failures = 0;
  const failedRuns = new Set<CleanRun>();
  for (const action of actions) {
    if (action.kind === 'supersede' && failedRuns.has(action.run)) continue;
    if (options.dryRun) {
      options.say(`would ${action.would}`);
      continue;
    }
    try {
      options.say(await act(action));
    } catch (error) {
      failures++;
      if (action.run) failedRuns.add(action.run);
      options.say(`failed to ${action.would}: ${(error as Error).message}`);
    }
  }
  return failures;
}

/** Does one action; returns the line saying what was done. */
async function act(action: CleanAction): Promise<string> {
  switch (action.kind) {
    case 'remove-gate':
      await removeWorktree(action.repo, action.path);
      return `removed ${action.what}`;
    case 'remove-worktree': {
      if (action.stop) await stopProcesses(action.stop);
      const { repo, path: worktree, branch, message, keptIn } = action;
      const archived = keptIn
        ? await removeTaskWorktree(repo, { worktree, branch, archiveRef: action.archiveRef, message })
        : await archiveAndRemove(repo, { worktree, branch, ref: action.archiveRef, message });
      const where = archived ? `its work is archived at ${archived}` : keptIn ? `nothing to archive: its commits are in ${keptIn}` : 'there was nothing to archive';
      return `removed ${action.what}; ${where}${recordCleanup(action.record)}`;
    }
    case 'delete-branch': {
      const { repo, branch, why } = action;
      if (action.archiveRef) {
        const archived = await archiveAndRemove(repo, { branch, ref: action.archiveRef, message: `fleet clean: archive of branch ${branch}` });
        return `deleted branch ${branch} (${why}); its commits are archived at ${archived}${recordCleanup(action.record)}`;
      }
      if ((await deleteRef(repo, `refs/heads/${branch}`, action.tip)) === 'moved') throw new Error(`${branch} moved while fleet was deleting it; it was kept`);
      return `deleted branch ${branch} (${why}); nothing to archive: its commits are in ${action.keptIn}${recordCleanup(action.record)}`;
    }
    case 'delete-refs': {
      const moved: string[] = [];
      for (const r of action.refs) if ((await deleteRef(action.repo, r.ref, r.oid)) === 'moved') moved.push(r.ref);
      if (moved.length > 0) throw new Error(`${moved.join(', ')} moved meanwhile and ${moved.length === 1 ? 'was' : 'were'} kept`);
      return `deleted ${action.what}`;
    }
    case 'delete-archive':
      if ((await deleteRef(action.repo, action.ref, action.oid)) === 'moved') throw new Error(`${action.ref} moved meanwhile; it was kept`);
      return `deleted ${action.what}`;
    case 'prune': {
      const left = await prunableRecords(action.repo);
      await pruneWorktrees(action.repo);
      return `ran git worktree prune in ${action.repo}${left.length > 0 ? `: dropped ${left.join(', ')}` : ': nothing left to drop'}`;
    }
    case 'supersede':
      appendToStoppedRun(runPaths(action.run.stateDir, action.run.runId), [{ type: 'run_stopped', reason: 'superseded', exitCode: action.exitCode, at: Date.now() }]);
      return `marked ${action.what}`;
  }
}

/** A merged task whose worktree or branch clean removed: its run stops saying "cleanup pending". */
function recordCleanup(record: CleanupRecord | undefined): string {
  if (!record) return '';
  appendToStoppedRun(runPaths(record.run.stateDir, record.run.runId), [{ type: 'cleanup_done', key: record.key, at: Date.now() }]);
  return `; recorded in run ${record.run.runId} that the cleanup of ${record.key} is done`;
}

/** A detached agent may still be writing into the worktree about to go; its processes stop first. */
async function stopProcesses({ runId, task }: StopTarget): Promise<void> {
  const pid = task.pid !== undefined && localRunner.isAlive(task.pid, task.pidStart) ? task.pid : undefined;
  await localRunner.killTask(pid, { runId, project: task.project, taskId: task.id });
}
