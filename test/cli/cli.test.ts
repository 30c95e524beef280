import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepos } from '../helpers/repo.js';
import { agent, writeFleet } from '../helpers/fleet.js';

// The real binary, as built by `npm test`'s compile step.
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const repo = tempRepos();

function fleet(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, out, err) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

describe('the fleet command line', () => {
  it('prints help listing every command', async () => {
    const r = await fleet(process.cwd(), '--help');
    expect(r.code).toBe(0);
    for (const cmd of ['run', 'validate', 'status', 'demo', 'retry', 'requeue', 'accept', 'discard', 'cancel', 'pause', 'resume']) {
      expect(r.out).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
  });

  it('exits 2 on an unknown command or a bad option value', async () => {
    expect((await fleet(process.cwd(), 'frobnicate')).code).toBe(2);
    const bad = await fleet(process.cwd(), 'run', '-j', 'many');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('expected a whole number from 1 to 256');
    // A run cap in tokens is whole, as in the fleet file.
    const fraction = await fleet(process.cwd(), 'budget', '--tokens', '1.5');
    expect([fraction.code, fraction.err.includes('expected a whole number of tokens from 1')]).toEqual([2, true]);
    // Past 2^53 a number is not exact: a usage error like any other, not an internal one.
    const huge = await fleet(process.cwd(), 'diff', 'x', '--attempt', '100000000000000000000');
    expect([huge.code, huge.err.includes('expected a whole number from 1'), huge.err.includes('internal error')]).toEqual([2, true, false]);
  });

  it('attach without a terminal says so at once, exit 2, and draws nothing', async () => {
    const r = await fleet(process.cwd(), 'attach');
    expect(r.code).toBe(2);
    expect(r.err).toContain('fleet attach needs a terminal on both its input and its output');
    expect(r.out + r.err).not.toContain('\x1b');
  });

  it('validate reports a config error with its position and exits 2, without a stack trace', async () => {
    const r = repo();
    writeFleet(r.dir, 'version: 1\ntasks:\n  - id: a\n    prompt: x\n    depends_on: [b]\n');
    const result = await fleet(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/fleet\.yaml:5:\d+: tasks\[0\]\.depends_on\[0\]: /);
    expect(result.err).not.toMatch(/^\s+at /m);
  });

  it('validate refuses a base branch that does not exist', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ndefaults: { base: develop }\ntasks:\n  - { id: a, run: "true" }\n`);
    const result = await fleet(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('base branch develop does not exist');
  });

  it('validate names an agent CLI that is not installed, with the install command', async () => {
    const r = repo();
    writeFleet(r.dir, 'version: 1\ntasks:\n  - { id: a, agent: codex, prompt: do it }\n');
    const result = await fleet(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('agent codex needs `codex`, which is not on PATH');
    expect(result.err).toContain('hint: install it: npm install -g @openai/codex');
  });

  it('validate prints the plan: waves, parallelism and the critical path', async () => {
    const r = repo();
    writeFleet(
      r.dir,
      `version: 1
concurrency: 2
tasks:
  - { id: a, run: "true" }
  - { id: b, run: "true" }
  - { id: c, run: "true" }
  - { id: d, run: "true", depends_on: [a, b] }
  - { id: e, run: "true", depends_on: [d] }
`,
    );
    const result = await fleet(r.dir, 'validate');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('5 task(s), concurrency 2');
    expect(result.out).toContain('wave 1 (2 at once): a, b, c');
    expect(result.out).toContain('wave 2: d');
    expect(result.out).toContain('critical path (3 tasks): a → d → e');
  });

  it('run --json prints one JSON event per line, from run_started to run_stopped', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: one, run: "${agent('edit', 'one.txt', '1')}" }\n`);
    const result = await fleet(r.dir, 'run', '--json');
    expect(result.code, result.err).toBe(0);
    const events = result.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; at: number });
    expect(events[0]!.type).toBe('run_started');
    expect(events.at(-1)!.type).toBe('run_stopped');
    expect(events.map((e) => e.type)).toContain('task_merged');
    expect(events.every((e) => typeof e.at === 'number')).toBe(true);

    const status = await fleet(r.dir, 'status', '--json');
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { live: boolean; tasks: { key: string; status: string }[] };
    expect(parsed.live).toBe(false);
    expect(parsed.tasks).toEqual([expect.objectContaining({ key: 'one', status: 'merged' })]);
  });

  it('status with no run exits 3 with a hint', async () => {
    const r = repo();
    const result = await fleet(r.dir, 'status');
    expect(result.code).toBe(3);
    expect(result.err).toContain('there is no fleet run here yet');
    expect(result.err).toContain('hint:');
  });

  it('a second run on the same repository exits 3 naming the one that holds it', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '30', 'slow.txt')}" }\n`);
    const first = spawn('node', [CLI, 'run', '--headless'], { cwd: r.dir, env: process.env });
    let out = '';
    first.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 200 && !out.includes('slow: running'); i++) await new Promise((res) => setTimeout(res, 50));
      const second = await fleet(r.dir, 'run', '--headless');
      expect(second.code).toBe(3);
      expect(second.err).toContain(`another fleet (pid ${first.pid}`);
    } finally {
      first.kill('SIGTERM');
      const code = await new Promise<number | null>((res) => first.on('exit', (c) => res(c)));
      expect(code).toBe(143);
    }
    const status = await fleet(r.dir, 'status');
    expect(status.out).toContain('stopped (signal, exit 143)');
    expect(status.out).toMatch(/slow\s+running/);
  });
});

describe('fleet demo', () => {
  it('builds a throwaway repo and runs it as scripted', async () => {
    const result = await fleet(process.cwd(), 'demo');
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toContain('What happened:');
    expect(result.out).toContain('rename conflicts with title in README.md: it waits in review');
    const repoDir = /a throwaway repo at (\S+)/.exec(result.out)![1]!;
    const root = join(repoDir, '..');
    const { rmSync } = await import('node:fs');
    rmSync(root, { recursive: true, force: true });
  }, 90_000);
});
