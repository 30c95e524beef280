import { formatDuration } from '../../core/duration.js';
import { isActive, type TaskStatus } from '../../core/selectors.js';
import type { TaskRecord } from '../../core/state.js';

/** Named ANSI colours only: truecolor does not survive SSH (docs/ui.md#terminal-facts). */
export type Colour = 'gray' | 'cyan' | 'blue' | 'yellow' | 'magenta' | 'green' | 'red' | 'white';

export interface Look {
  glyph: string;
  colour: Colour;
  /** The list's word where the state's name is wider than its column. */
  word?: string;
}

// State is never shown by colour alone: every row carries the glyph and the word too.
const LOOKS: Record<TaskStatus, Look> = {
  pending: { glyph: '○', colour: 'gray' },
  ready: { glyph: '◎', colour: 'white' },
  preparing: { glyph: '◐', colour: 'cyan' },
  running: { glyph: '●', colour: 'cyan' },
  checking: { glyph: '◑', colour: 'blue' },
  queued: { glyph: '◇', colour: 'magenta' },
  merging: { glyph: '▶', colour: 'magenta' },
  merged: { glyph: '✓', colour: 'green' },
  accepted: { glyph: '≈', colour: 'green' },
  paused: { glyph: '‖', colour: 'yellow' },
  review: { glyph: '⚠', colour: 'yellow' },
  failed: { glyph: '✗', colour: 'red' },
  awaiting_approval: { glyph: '?', colour: 'yellow', word: 'approve?' },
  blocked: { glyph: '◌', colour: 'gray' },
  cancelled: { glyph: '⊘', colour: 'gray' },
  discarded: { glyph: '-', colour: 'gray' },
};

export function lookOf(status: TaskStatus): Look {
  return LOOKS[status];
}

/** Widest status word ("preparing", "cancelled", "discarded"): the list aligns its state column to it. */
export const STATUS_WIDTH = 9;

/**
 * How long the current attempt has taken: still counting while it is active, frozen at the
 * moment it settled (merged, review, failed…). Empty for a task that never started.
 */
export function attemptElapsed(task: TaskRecord, now: number): string {
  if (task.attemptStartedAt === undefined) return '';
  const end = isActive(task) ? now : task.since;
  return formatDuration(end - task.attemptStartedAt);
}
