import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseFleetText } from '../../source/config/load.js';
import { fleetCli, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';

const repo = tempRepos();
let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-candidates-')));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Each issue as "line:col path: message". */
function issues(task: string): string[] {
  try {
    parseFleetText(`version: 1\ntasks:\n  - ${task}\n`, join(root, 'fleet.yaml'));
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('best-of-N in the fleet file', () => {
  it('reads candidates, agents, pick and judge', () => {
    const spec = parseFleetText(
      'version: 1\ntasks:\n  - { id: a, run: x, candidates: 3, pick: judge, judge: ./judge.sh }\n  - { id: b, prompt: y, agents: [claude, codex] }\n  - { id: c, run: z, candidates: 1 }\n',
      join(root, 'fleet.yaml'),
    );
    expect(spec.tasks[0]!.candidates).toEqual({ count: 3, pick: 'judge', judge: './judge.sh' });
    expect(spec.tasks[1]!.candidates).toEqual({ count: 2, agents: ['claude', 'codex'], pick: 'first-pass' });
    expect(spec.tasks[1]!.agent).toBe('claude');
    expect(spec.tasks[2]!.candidates).toBeUndefined();
  });

  it('rejects candidates: 0 and 99, an unknown agent, and pick: judge without a judge, each at its place', () => {
    expect(issues('{ id: a, run: x, candidates: 0 }')).toEqual(['3:34 tasks[0].candidates: expected an integer from 1 to 8, got 0']);
    expect(issues('{ id: a, run: x, candidates: 99 }')).toEqual(['3:34 tasks[0].candidates: expected an integer from 1 to 8, got 99']);
    expect(issues('{ id: a, prompt: x, agents: [claude, cdex] }')[0]).toMatch(/^3:42 tasks\[0\]\.agents\[1\]: unknown agent "cdex" \(did you mean "codex"\?\)/);
    expect(issues('{ id: a, run: x, candidates: 2, pick: judge }')).toEqual(['3:43 tasks[0].pick: pick: judge needs a judge: command']);
    expect(issues('{ id: a, run: x, candidates: 2, judge: ./j.sh }')).toEqual(['3:37 tasks[0].judge: judge: is only used with pick: judge']);
    expect(issues('{ id: a, run: x, candidates: 3, agents: [claude, codex] }')[0]).toMatch(/^3:34 tasks\[0\]\.candidates: candidates: 3 does not match/);
  });

  it('fleet validate exits 2 on them', async () => {
    const r = repo();
    writeFleet(r.dir, 'version: 1\ntasks:\n  - { id: a, run: x, candidates: 99 }\n');
    const result = await fleetCli(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('fleet.yaml:3:34: tasks[0].candidates: expected an integer from 1 to 8, got 99');
  });
});
