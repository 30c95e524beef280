// `model:` per task: each preset's own model option on the command line, FLEET_MODEL in the
// environment, and a positioned error for an agent that has no model option.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskArgv } from '../../source/agents/command.js';
import { ConfigError, formatIssue, parseFleetText } from '../../source/config/load.js';
import { PRESETS } from '../../source/core/presets.js';
import { AGENTS, fleetCli, runFleet, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';
import { useBinOnPath } from '../helpers/stub-agents.js';

const BIN = new URL('../fixtures/bin/', import.meta.url).pathname;
const repo = tempRepos();
const scratch = useBinOnPath(BIN, 'fleet-model-', ['AIDER_STUB_ARGV']);

function issues(text: string): string[] {
  try {
    parseFleetText(text, join(scratch(), 'fleet.yaml'));
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => formatIssue(i).slice(formatIssue(i).indexOf(':') + 1));
    throw error;
  }
  return [];
}

describe('model', () => {
  it("goes before a preset's `--`, or last, with the CLI's own option", () => {
    const spec = parseFleetText('version: 1\ndefaults: { model: m-1 }\ntasks:\n  - { id: a, prompt: P }\n', join(scratch(), 'fleet.yaml'));
    const task = spec.tasks[0]!;
    expect(task.model).toBe('m-1');
    const argv = (agent: string) => taskArgv({ ...task, agent }, spec.agents[agent], 'P');
    expect(argv('claude')).toEqual(['claude', '-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', '--model', 'm-1', '--', 'P']);
    expect(argv('codex')).toEqual(['codex', 'exec', '--json', '--sandbox', 'workspace-write', '-m', 'm-1', '--', 'P']);
    expect(argv('gemini')).toEqual([...PRESETS.gemini!.command, '-m', 'm-1']);
    expect(argv('opencode')).toEqual([...PRESETS.opencode!.command, '-m', 'm-1']);
    expect(argv('aider').slice(-4)).toEqual(['--message', 'P', '--model', 'm-1']);
    // Without model:, the preset's command line is unchanged.
    const { model: _unused, ...plain } = task;
    expect(taskArgv(plain, spec.agents.claude, 'P')).toEqual(PRESETS.claude!.command.map((p) => (p === '{prompt}' ? 'P' : p)));
  });

  it('is refused, where it is written, for an agent without a model option', () => {
    expect(issues('version: 1\ntasks:\n  - { id: a, agent: shell, model: m, prompt: "true" }\n')).toEqual([
      '3:28: tasks[0].model: agent "shell" has no model option',
    ]);
    // Inherited by two shell tasks: one issue, at defaults. A run: task starts no agent and takes it as FLEET_MODEL only.
    expect(issues('version: 1\ndefaults: { model: m, agent: shell }\ntasks:\n  - { id: a, prompt: x }\n  - { id: b, prompt: y }\n  - { id: c, run: "true" }\n')).toEqual([
      '2:13: defaults.model: agent "shell" has no model option',
    ]);
    expect(issues('version: 1\nagents:\n  mine: { command: [x, "{prompt}"], model_flag: --model }\ntasks:\n  - { id: a, agent: mine, model: m, prompt: p }\n')).toEqual([]);
  });

  it('makes validate exit 2 on the shell preset', async () => {
    const r = repo();
    writeFleet(r.dir, 'version: 1\ntasks:\n  - id: a\n    agent: shell\n    model: big\n    prompt: "true"\n');
    const result = await fleetCli(r.dir, 'validate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('fleet.yaml:5:5: tasks[0].model: agent "shell" has no model option');
  });

  it('reaches the agent as its model option and as FLEET_MODEL', async () => {
    const r = repo({ files: { '.gitignore': '.aider*\n' } });
    const argvFile = join(scratch(), 'argv.json');
    const envFile = join(scratch(), 'env.txt');
    process.env.AIDER_STUB_ARGV = argvFile;
    writeFleet(
      r.dir,
      `version: 1
defaults: { retries: 0, model: gpt-x }
agents:
  recorder: { command: [sh, ${JSON.stringify(join(AGENTS, 'env.sh'))}, ${JSON.stringify(envFile)}], model_flag: --model }
tasks:
  - { id: greet, agent: aider, model: sonnet-y, prompt: "stub-write hello.txt hi" }
  - { id: env, agent: recorder, prompt: x, allow_empty: true }
`,
    );
    const result = await runFleet(r.dir);
    expect(result.code, result.out + result.err).toBe(0);
    expect((JSON.parse(readFileSync(argvFile, 'utf8')) as string[]).slice(-2)).toEqual(['--model', 'sonnet-y']);
    expect(readFileSync(envFile, 'utf8')).toContain('FLEET_MODEL=gpt-x\n');
  });
});
