import { describe, expect, it } from 'vitest';
import { activeRunCap } from '../../source/core/budget.js';
import type { FleetEvent } from '../../source/core/events.js';
import { replay } from '../../source/core/state.js';

let clock = 0;
const ev = (e: Record<string, unknown>) => ({ at: ++clock, ...e }) as FleetEvent;
const started = (budget?: { usd?: number; tokens?: number }) => ev({ type: 'run_started', runId: 'r1', file: '/f', resumed: false, pid: 1, ...(budget && { budget }) });

describe('activeRunCap', () => {
  it("is the file's cap until fleet budget sets one, which then outlives a resume with another file cap", () => {
    expect(activeRunCap(replay([started()]))).toBeUndefined();
    expect(activeRunCap(replay([started({ usd: 5 })]))).toEqual({ usd: 5 });
    const raised = [started({ usd: 5 }), ev({ type: 'budget_changed', usd: 8, tokens: 1000 })];
    expect(activeRunCap(replay(raised))).toEqual({ usd: 8, tokens: 1000 });
    expect(activeRunCap(replay([...raised, started({ usd: 2 })]))).toEqual({ usd: 8, tokens: 1000 });
  });
});
