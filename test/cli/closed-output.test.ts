// A reader of fleet's output that goes away (`fleet run --json | head`) must not stop the run.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { CLI } from '../helpers/cli-process.js';
import { lastRun, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

/** The real binary with its stdout a pipe whose reading end is closed before it writes a byte. */
function withClosedStdout(cwd: string, ...args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn('node', [CLI, ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

describe('a closed output', () => {
  it('drops what fleet prints and lets the run finish: every task merged, no stack trace', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nconcurrency: 2\ndefaults: { retries: 0 }\ntasks:\n  - { id: a, run: "echo a > a.txt" }\n  - { id: b, run: "echo b > b.txt" }\n`);
    for (const mode of ['--json', '--headless']) {
      const run = await withClosedStdout(r.dir, 'run', mode);
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
    }
    const state = await lastRun(r.dir);
    expect([state.tasks.a!.state, state.tasks.b!.state]).toEqual(['merged', 'merged']);
    expect(r.git('show', 'main:a.txt')).toBe('a');
    const status = await withClosedStdout(r.dir, 'status');
    expect(status).toEqual({ code: 0, err: '' });
  });
});
