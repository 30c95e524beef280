// The merge queue's keys (queue.batch, queue.gates, on_gate_failure), `-j` re-clamping gates, and
// the positions the spec keeps so later checks can point at the file.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseFleetText, type ConfigIssue } from '../../source/config/load.js';
import { withConcurrency } from '../../source/config/queue.js';

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-queue-')));
  mkdirSync(join(root, 'api'));
  mkdirSync(join(root, 'web'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const load = (text: string) => parseFleetText(text, join(root, 'fleet.yaml'));

function issues(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i: ConfigIssue) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const TWO_PROJECTS = (top: string, api: string) => `version: 1
concurrency: 4
${top}
projects:
  api:
    path: api
    ${api}
    tasks: [{ id: a, run: x }]
  web:
    path: web
    tasks: [{ id: a, run: x }]
`;

describe('queue', () => {
  it('defaults to batches of 16 and 2 gates', () => {
    const spec = load('version: 1\nconcurrency: 4\ntasks: [{ id: a, run: x }]\n');
    expect(spec.projects[0]!.queue).toEqual({ batch: 16, gates: 2, wantedGates: 2 });
  });

  it('takes the top level for every project, overridden key by key per project', () => {
    const spec = load(TWO_PROJECTS('queue: { batch: 8, gates: 3 }', 'queue: { batch: 4 }'));
    expect(spec.projects.map((p) => [p.name, p.queue])).toEqual([
      ['api', { batch: 4, gates: 3, wantedGates: 3 }],
      ['web', { batch: 8, gates: 3, wantedGates: 3 }],
    ]);
  });

  it('clamps the default gates to a smaller concurrency silently', () => {
    const spec = load('version: 1\nconcurrency: 1\ntasks: [{ id: a, run: x }]\n');
    expect(spec.projects[0]!.queue).toEqual({ batch: 16, gates: 1, wantedGates: 2 });
  });

  it('refuses explicit gates above the concurrency the file states, where they are written', () => {
    expect(issues(TWO_PROJECTS('queue: { gates: 5 }', ''))).toEqual(['3:17 queue.gates: expected an integer from 1 to concurrency (4), got 5']);
    expect(issues(TWO_PROJECTS('', 'queue: { gates: 6 }'))).toEqual(['7:21 projects.api.queue.gates: expected an integer from 1 to concurrency (4), got 6']);
  });

  it("clamps explicit gates to the machine's concurrency when the file states none", () => {
    const spec = load('version: 1\nqueue: { gates: 256 }\ntasks: [{ id: a, run: x }]\n');
    expect(spec.projects[0]!.queue.gates).toBe(spec.concurrency);
    expect(spec.projects[0]!.queue.wantedGates).toBe(256);
  });

  it('refuses batch and gates out of range and unknown keys, with a suggestion', () => {
    expect(issues('version: 1\nqueue: { batch: 257, gates: 1.5, size: 3 }\ntasks: [{ id: a, run: x }]\n')).toEqual([
      '2:17 queue.batch: expected an integer from 1 to 256, got 257',
      '2:29 queue.gates: expected an integer from 1 to concurrency, got 1.5',
      '2:34 queue.size: unknown key "size"',
    ]);
  });
});

describe('withConcurrency (-j)', () => {
  it('clamps gates down to a smaller -j and gives them back up to what the file asked for', () => {
    const spec = load(TWO_PROJECTS('queue: { gates: 3 }', 'queue: { gates: 4 }'));
    const narrow = withConcurrency(spec, 2);
    expect(narrow.concurrency).toBe(2);
    expect(narrow.projects.map((p) => p.queue.gates)).toEqual([2, 2]);
    const wide = withConcurrency(narrow, 16);
    expect(wide.projects.map((p) => p.queue.gates)).toEqual([4, 3]);
    // Pure: the spec it was given is unchanged.
    expect(spec.concurrency).toBe(4);
    expect(spec.projects.map((p) => p.queue.gates)).toEqual([4, 3]);
  });

  it('gives the default gates back when the file set concurrency 1 and -j raises it', () => {
    const spec = load('version: 1\nconcurrency: 1\ntasks: [{ id: a, run: x }]\n');
    expect(withConcurrency(spec, 8).projects[0]!.queue.gates).toBe(2);
  });
});

describe('on_gate_failure', () => {
  it('defaults to review, task over project over defaults', () => {
    const spec = load(`version: 1
defaults: { on_gate_failure: agent }
projects:
  api:
    path: api
    on_gate_failure: review
    tasks: [{ id: a, run: x }, { id: b, run: x, on_gate_failure: agent }]
  web:
    path: web
    tasks: [{ id: a, run: x }]
`);
    expect(spec.tasks.map((t) => [t.key, t.onGateFailure])).toEqual([
      ['api:a', 'review'],
      ['api:b', 'agent'],
      ['web:a', 'agent'],
    ]);
    expect(load('version: 1\ntasks: [{ id: a, run: x }]\n').tasks[0]!.onGateFailure).toBe('review');
  });

  it('refuses anything but review or agent', () => {
    expect(issues('version: 1\ntasks: [{ id: a, run: x, on_gate_failure: retry }]\n')).toEqual([
      '2:43 tasks[0].on_gate_failure: expected "review" or "agent", got "retry"',
    ]);
  });
});

describe('positions kept in the spec', () => {
  it('say where base, agent and path are written, or which task relies on a built-in', () => {
    const spec = load(`version: 1
defaults:
  agent: codex
projects:
  api:
    path: api
    base: develop
    tasks:
      - id: a
        prompt: do a
      - id: b
        base: develop
        agent: claude
        prompt: do b
  web:
    path: web
    agent: claude
    tasks:
      - id: c
        prompt: do c
`);
    expect(spec.projects.map((p) => p.at)).toEqual([{ path: { line: 6, col: 11, path: 'projects.api.path' } }, { path: { line: 16, col: 11, path: 'projects.web.path' } }]);
    expect(spec.tasks.map((t) => t.at)).toEqual([
      { base: { line: 7, col: 11, path: 'projects.api.base' }, agent: { line: 3, col: 10, path: 'defaults.agent' } },
      { base: { line: 12, col: 15, path: 'projects.api.tasks[1].base' }, agent: { line: 13, col: 16, path: 'projects.api.tasks[1].agent' } },
      { base: { line: 19, col: 9, path: 'projects.web.tasks[0]' }, agent: { line: 17, col: 12, path: 'projects.web.agent' } },
    ]);
  });

  it("point at the prompt for the built-in agent and at the file's top for its one project", () => {
    const spec = load('version: 1\ntasks:\n  - id: a\n    title: A\n    prompt: do a\n');
    expect(spec.projects[0]!.at.path).toEqual({ line: 1, col: 1, path: '' });
    expect(spec.tasks[0]!.at).toEqual({ base: { line: 3, col: 5, path: 'tasks[0]' }, agent: { line: 5, col: 5, path: 'tasks[0].prompt' } });
  });
});
