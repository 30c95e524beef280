// The aider preset end to end, with a stand-in `aider` (test/fixtures/bin/aider) that rejects any
// option the real aider does not have and commits the way aider would unless told not to.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../source/core/presets.js';
import { runFleet, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';
import { useBinOnPath } from '../helpers/stub-agents.js';

const BIN = new URL('../fixtures/bin/', import.meta.url).pathname;
const STUB = join(BIN, 'aider');
const repo = tempRepos();
const scratch = useBinOnPath(BIN, 'fleet-aider-', ['AIDER_STUB_ARGV']);

describe('aider preset', () => {
  it('runs aider non-interactively with only real options and merges its edit, committed by fleet alone', async () => {
    const r = repo({ files: { 'README.md': '# app\n', '.gitignore': '.aider*\n' } });
    const argvFile = join(scratch(), 'argv.json');
    process.env.AIDER_STUB_ARGV = argvFile;
    const prompt = 'Add a greeting.\nstub-write src/hello.txt hello from aider';
    writeFleet(
      r.dir,
      `version: 1
defaults: { agent: aider, retries: 0, check: "grep -q 'hello from aider' src/hello.txt" }
tasks:
  - id: greet
    prompt: ${JSON.stringify(prompt)}
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);

    // The preset's arguments exactly, the prompt as one element.
    const expected = PRESETS.aider!.command.slice(1).map((part) => (part === '{prompt}' ? prompt : part));
    expect(JSON.parse(readFileSync(argvFile, 'utf8'))).toEqual(expected);

    expect(r.git('show', 'main:src/hello.txt')).toBe('hello from aider');
    // aider made no commit of its own: the task branch holds fleet's one commit.
    const subjects = r.git('log', '--format=%s', 'main^1..main^2').split('\n');
    expect(subjects).toEqual(['greet']);
    // Its chat history stayed out: `.aider*` is ignored, as docs/agents.md recommends.
    expect(r.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('.aider.chat.history.md');
  });

  it('fails loudly on an option aider does not have', () => {
    const cwd = repo().dir;
    for (const bad of [['--full-auto'], ['--auto-approve'], ['--message'], ['--message', '--yes-always']]) {
      const run = spawnSync(STUB, bad, { cwd, encoding: 'utf8' });
      expect(run.status, bad.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^aider: error: /m);
    }
  });

  it('commits by itself without the preset flags, which is why the preset turns that off', () => {
    const r = repo({ files: { '.gitignore': '.aider*\n' } });
    execFileSync(STUB, ['--yes-always', '--message', 'stub-write a.txt x'], { cwd: r.dir, stdio: 'ignore' });
    expect(r.git('log', '-1', '--format=%s')).toBe('aider: a.txt');
  });
});
