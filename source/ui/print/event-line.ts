import type { FleetEvent } from '../../core/events.js';
import type { RunState } from '../../core/state.js';
import { capText, spendText } from '../../core/budget.js';
import { formatDuration } from '../../core/duration.js';
import { stripSgr } from '../../core/text.js';

const short = (sha: string) => sha.slice(0, 10);

/** One readable line per event for headless mode; undefined for events not worth a line. */
export function eventLine(event: FleetEvent, state: RunState): string | undefined {
  const t = 'key' in event && event.key !== undefined ? state.tasks[event.key] : undefined;
  const elapsed = t?.attemptStartedAt ? ` after ${formatDuration(event.at - t.attemptStartedAt)}` : '';
  switch (event.type) {
    case 'run_started':
      return `run ${event.runId} ${event.resumed ? 'resumed' : 'started'} (${event.file})`;
    case 'task_added':
      return undefined;
    case 'task_updated':
      return `${event.task.key}: definition changed; applies from its next attempt`;
    case 'task_removed':
      return `${event.key}: removed from the fleet file`;
    case 'attempt_started':
      return `${event.key}: attempt ${event.attempt} starting`;
    case 'worktree_ready':
      return `${event.key}: worktree ${event.path} on ${event.branch}`;
    case 'worktree_warming':
    case 'worktree_released':
      return undefined; // fleet's own bookkeeping ahead of an attempt
    case 'agent_started':
      return `${event.key}: running (pid ${event.pid}, port ${event.port})`;
    case 'agent_exited':
      return event.exitCode === 0 ? undefined : `${event.key}: agent exited ${event.signal ?? `with status ${event.exitCode}`}`;
    case 'check_started':
      return `${event.key}: checking ${short(event.tip)}`;
    case 'check_passed':
      return `${event.key}: check passed${elapsed}; queued for merge`;
    case 'attempt_failed':
      return `${event.key}: attempt ${event.attempt} failed (${event.message})${event.willRetry ? '; retrying with a fresh attempt' : ''}`;
    case 'resolve_requested':
      return `${event.key}: resolve requested; it starts when a slot is free`;
    case 'resolve_started':
      return event.paths.length > 0
        ? `${event.key}: resolving a conflict with ${state.tasks[event.key]?.base ?? 'base'} in ${event.paths.join(', ')}`
        : `${event.key}: merged ${state.tasks[event.key]?.base ?? 'base'} into its branch cleanly`;
    case 'merge_started':
      return `${event.key}: merging into ${event.base}`;
    case 'merge_waiting':
      return `${event.key}: waiting to merge: ${event.reason}`;
    case 'candidate_built':
      return undefined; // batch_started says it once for the batch
    case 'batch_started':
      return event.keys.length === 1
        ? `${event.keys[0]}: ${event.gate ? `gate check of candidate ${short(event.tip)}` : `landing ${short(event.tip)}`}`
        : `batch ${event.batch}: ${event.gate ? 'gate check of' : 'landing'} ${event.keys.length} tasks (${event.keys.join(', ')})${event.speculative ? ', stacked on the batch ahead' : ''}`;
    case 'batch_result':
      return event.passed || event.keys.length === 1 ? undefined : `batch ${event.batch}: gate failed; bisecting ${event.keys.length} tasks`;
    case 'bisect_step':
      return `batch ${event.batch}: ${event.step === 'rerun' ? 'confirming' : 'bisecting'}: ${event.tested.length} task(s) ${event.passed ? 'pass' : 'fail'}`;
    case 'merge_deferred':
      return `${event.key}: back in the queue: ${event.reason}`;
    case 'gate_flaky':
      return `${event.key}: flaky gate: ${event.message}`;
    case 'task_merged':
      return `${event.key}: merged into ${event.base} (${short(event.commit)})`;
    case 'cleanup_done':
      return event.archived ? `${event.key}: kept what did not merge at ${event.archived}` : undefined;
    case 'cleanup_failed':
      return `${event.key}: cleanup pending: ${event.message}`;
    case 'review':
      return `${event.key}: needs review: ${event.message}${event.paths.length > 0 ? ` (${event.paths.slice(0, 5).join(', ')}${event.paths.length > 5 ? ', …' : ''})` : ''}`;
    case 'attempt_archived':
      return `${event.key}: attempt ${event.attempt} archived at ${event.ref}`;
    case 'task_requeued':
      return `${event.key}: requeued`;
    case 'task_paused':
      return `${event.key}: paused`;
    case 'task_resumed':
      return `${event.key}: resumed`;
    case 'task_cancelled':
      return `${event.key}: cancelled`;
    case 'task_discarded':
      return `${event.key}: discarded${event.archiveRef ? ` (archived at ${event.archiveRef})` : ''}`;
    case 'task_accepted':
      return `${event.key}: accepted without merging${event.archiveRef ? ` (archived at ${event.archiveRef})` : ''}`;
    case 'task_interrupted':
      return `${event.key}: interrupted; resumes with the next \`fleet run\``;
    case 'starts_paused':
      return 'new tasks paused';
    case 'starts_resumed':
      return 'new tasks resumed';
    case 'conflict_predicted':
      return event.paths.length > 0 ? `${event.key}: will conflict with base in ${event.paths.join(', ')}` : undefined;
    case 'agent_progress':
      return undefined; // its readable lines already show as progress
    case 'progress':
      return `${event.key} │ ${stripSgr(event.line)}`;
    case 'run_stopped':
      return undefined;
    case 'approval_awaited':
      return `${event.key}: check passed${elapsed}; awaiting approval (\`fleet approve ${event.key}\`)`;
    case 'task_approved':
      return `${event.key}: approved; queued for merge`;
    case 'candidates_started':
      return `${event.key}: candidates ${event.candidates.map((c) => `${c.n} (${c.agent})`).join(', ')} starting`;
    case 'candidate_update':
      return event.state === 'checking' ? `${event.key}@${event.candidate}: checking` : undefined;
    case 'candidate_finished':
      return `${event.key}@${event.candidate}: ${event.result}${event.diff ? ` (+${event.diff.insertions} -${event.diff.deletions})` : ''}${event.message ? `: ${event.message}` : ''}`;
    case 'candidate_picked':
      return `${event.key}: candidate ${event.candidate} picked (${event.by})${event.note ? `; ${event.note}` : ''}`;
    case 'candidate_archived':
      return `${event.key}@${event.candidate}: archived at ${event.ref}`;
    case 'rate_limited':
      return event.retryInMs === null
        ? `${event.key}: rate limited ${event.tries} times in a row; held (rate limit)`
        : `${event.key}: rate limited; its agent runs again in ${formatDuration(event.retryInMs)} (no retry charged); ${event.concurrency} at once`;
    case 'concurrency_changed':
      return `no rate limit for a minute: ${event.concurrency} at once`;
    case 'budget_exceeded':
      return event.scope === 'run'
        ? `run budget reached (${spendText(event.spent, event.cap)}): held (budget), nothing new starts`
        : `${event.key}: task budget reached (${spendText(event.spent, event.cap)}); stopping it`;
    case 'budget_changed':
      return `run budget set to ${capText(event)}`;
    case 'revision_started':
      return `${event.key}: revision ${event.revision}: ${event.comments.length === 1 ? 'one comment' : `${event.comments.length} comments`} sent to its agent`;
    case 'agent_session':
      return undefined;
  }
}
