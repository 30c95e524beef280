import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../source/core/fleet.js';
import type { TaskRecord } from '../../source/core/state.js';
import { holdUntil } from '../../source/engine/queue/batch.js';

const head = { check: ['npm test'] } as unknown as TaskSpec;
const record = (patch: Partial<TaskRecord>) => ({ key: 'k', state: 'queued', since: 0, archives: [], ...patch }) as TaskRecord;

describe('filling a batch', () => {
  it('waits for tasks whose own checks should pass within one check time, never longer', () => {
    const queued = [record({ queuedAt: 100_000, checkedFor: 60_000 })];
    // Checking since 90 s: expected to pass at 150 s, inside the cap (100 s + 60 s).
    expect(holdUntil(head, queued, [record({ state: 'checking', since: 90_000 })], 16)).toBe(150_000);
    // Checking since 130 s: expected at 190 s, past the cap: wait until 160 s only.
    expect(holdUntil(head, queued, [record({ state: 'checking', since: 130_000 })], 16)).toBe(160_000);
  });

  it('starts at once when nothing is checking, the batch is full, or there is no check', () => {
    const queued = [record({ queuedAt: 100_000, checkedFor: 60_000 })];
    const checking = [record({ state: 'checking', since: 90_000 })];
    expect(holdUntil(head, queued, [], 16)).toBeUndefined();
    expect(holdUntil(head, queued, checking, 1)).toBeUndefined();
    expect(holdUntil({ check: [] } as unknown as TaskSpec, queued, checking, 16)).toBeUndefined();
    expect(holdUntil(head, [record({ queuedAt: 100_000 })], checking, 16)).toBeUndefined();
  });
});
