import { describe, expect, it } from 'vitest';
import { emptyRun, reduce, type RunState } from '../../source/core/state.js';
import type { FleetEvent } from '../../source/core/events.js';
import type { EventInput } from '../../source/engine/context.js';
import { paneDetails } from '../../source/ui/model/pane-details.js';

const TASK = { key: 'a', id: 'a', project: 'p', title: 'a', dependsOn: [], agent: 'claude', base: 'main', retries: 0 };

function fold(events: EventInput[]): RunState {
  return events.reduce((s, e, i) => reduce(s, { ...e, at: i } as FleetEvent), emptyRun('r', '/f'));
}

describe('candidates in the agent pane', () => {
  it('shows each candidate side by side, the pick starred, and a judge that failed', () => {
    const state = fold([
      { type: 'task_added', task: TASK },
      { type: 'attempt_started', key: 'a', attempt: 1 },
      { type: 'candidates_started', key: 'a', attempt: 1, candidates: [{ n: 1, agent: 'claude' }, { n: 2, agent: 'codex' }] },
      { type: 'candidate_update', key: 'a', candidate: 1, worktree: '/w/a@1', branch: 'fleet/a@1', baseSha: 'b', tokens: { input: 1000, output: 500 }, costUsd: 0.25 },
      { type: 'candidate_finished', key: 'a', candidate: 1, result: 'passed', tip: 't1', diff: { files: 2, insertions: 10, deletions: 3 } },
      { type: 'candidate_finished', key: 'a', candidate: 2, result: 'failed', message: 'check failed' },
      { type: 'candidate_picked', key: 'a', candidate: 1, by: 'first-pass', note: 'the judge failed (timed out); picked by first-pass' },
      { type: 'check_passed', key: 'a', attempt: 1, tip: 't1' },
    ]);
    expect(state.tasks.a!.worktree).toBe('/w/a@1');
    expect(state.tasks.a!.passedTip).toBe('t1');
    expect(paneDetails(state, 'a', [], 80, 20).map((l) => l.text)).toEqual([
      'candidates (first-pass picked 1):',
      '★ 1  claude  passed  2 files +10 -3  check ✓  1.5k tok  $0.25',
      '  2  codex   failed  —               check ✗  —         —',
      'the judge failed (timed out); picked by first-pass',
    ]);
  });
});
