// Writing to a run no process is running: `fleet clean` and `fleet run --fresh` record what they
// did to it. The caller holds the run's state-dir lock. state.json is what `fleet status` and
// `fleet ls` read without replaying, so it is rebuilt from the journal, never left behind it.
import type { FleetEvent } from '../../core/events.js';
import { replay } from '../../core/state.js';
import { writeFileAtomic } from './atomic-write.js';
import { Journal, readJournal } from '../journal.js';
import type { RunPaths } from './paths.js';

/** Appends `events` to a stopped run's journal, then replays it into a fresh snapshot. */
export function appendToStoppedRun(paths: Pick<RunPaths, 'journal' | 'snapshot'>, events: FleetEvent[]): void {
  const journal = new Journal(paths.journal);
  try {
    for (const event of events) journal.append(event);
  } finally {
    journal.close();
  }
  writeFileAtomic(paths.snapshot, JSON.stringify(replay(readJournal(paths.journal)), null, 1));
}
