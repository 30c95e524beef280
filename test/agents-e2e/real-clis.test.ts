// The presets end to end with the real agent CLIs (pinned, see install.ts) against the local stub
// model: fleet runs a task with each preset's exact command line, the CLI asks the stub, the stub
// has it write a file, fleet commits, checks and merges it. Run with `npm run test:agents`
// (test/agents-e2e/vitest.config.ts sets FLEET_AGENT_E2E=1); skipped in the normal suite.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProgressParser, type AgentProgress } from '../../source/agents/progress.js';
import { PRESETS } from '../../source/core/presets.js';
import { runFleet, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';
import { installAgent, PINNED, type PinnedAgent } from './install.js';
import { startStubModel, type StubModel } from './stub.js';

const repo = tempRepos();
const AGENTS = Object.keys(PINNED) as PinnedAgent[];

/**
 * Any request a CLI tries to send anywhere but 127.0.0.1 goes to a proxy that is not there and
 * fails, instead of leaving the machine (every CLI here honours these variables).
 */
const NO_NETWORK = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  ALL_PROXY: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
};

/** Per CLI: the environment that points it at the stub and turns off telemetry and update checks. */
function agentEnv(agent: PinnedAgent, stub: string, home: string): Record<string, string> {
  switch (agent) {
    case 'claude':
      return {
        ANTHROPIC_BASE_URL: stub,
        ANTHROPIC_API_KEY: 'stub-key',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
        // Claude Code refuses --dangerously-skip-permissions as root unless told it is in a
        // sandbox. Only this agent's environment gets it; fleet never sets it.
        ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
      };
    case 'codex': {
      // codex ignores OPENAI_BASE_URL; a model provider in its config reaches the stub. An unknown
      // model name ("stub-model") gets codex's fallback tools, so the stub answers with exec_command.
      const codexHome = join(home, 'codex');
      mkdirSync(codexHome, { recursive: true });
      writeFileSync(
        join(codexHome, 'config.toml'),
        `model = "stub-model"
model_provider = "stub"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[model_providers.stub]
name = "stub"
base_url = "${stub}/v1"
wire_api = "responses"
`,
      );
      return { CODEX_HOME: codexHome };
    }
    case 'gemini':
      // Headless gemini needs its auth type in settings; usage statistics and updates off.
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({
          privacy: { usageStatisticsEnabled: false },
          general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
          security: { auth: { selectedType: 'gemini-api-key' } },
        }),
      );
      return { GOOGLE_GEMINI_BASE_URL: stub, GEMINI_API_KEY: 'stub-key' };
    case 'opencode':
      return {
        OPENCODE_CONFIG_CONTENT: JSON.stringify({
          model: 'stub/stub-model',
          autoupdate: false,
          share: 'disabled',
          provider: { stub: { npm: '@ai-sdk/anthropic', name: 'Stub', options: { baseURL: `${stub}/v1`, apiKey: 'stub-key' }, models: { 'stub-model': { name: 'Stub', tool_call: true } } } },
        }),
        OPENCODE_DISABLE_AUTOUPDATE: '1',
        OPENCODE_DISABLE_MODELS_FETCH: '1',
        OPENCODE_DISABLE_SHARE: '1',
        OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
        OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      };
  }
}

/** The task's agent.log: <git dir>/fleet/logs/<run>/greet/1/agent.log ('' if there is none). */
function readAgentLog(dir: string): string {
  try {
    const logs = join(dir, '.git', 'fleet', 'logs');
    return readFileSync(join(logs, readdirSync(logs)[0]!, 'greet', '1', 'agent.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The progress a parser gathers from the attempt's agent.log. */
function progressOf(agent: string, log: string): Partial<AgentProgress> {
  const parse = createProgressParser(agent);
  return Object.assign({}, ...log.split('\n').map((line) => parse(line).progress ?? {})) as Partial<AgentProgress>;
}

describe.skipIf(process.env.FLEET_AGENT_E2E !== '1')('presets with the real agent CLIs', () => {
  let stub: StubModel;
  /** Installs run side by side; each test waits for its own, so one failed install fails one test. */
  let installs: Map<PinnedAgent, Promise<string>>;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    installs = new Map(AGENTS.map((agent) => [agent, installAgent(agent)]));
    for (const install of installs.values()) install.catch(() => undefined); // reported by its test
    stub = await startStubModel(join(process.env.HOME!, 'stub-requests.jsonl'));
  });

  afterEach(() => {
    process.env.PATH = savedPath;
  });

  afterAll(async () => {
    await stub?.stop();
  });

  it.each(AGENTS)('%s: the preset runs headless, its edit is committed by fleet and merged', async (agent) => {
    process.env.PATH = `${await installs.get(agent)!}${delimiter}${savedPath}`;
    const r = repo({ files: { 'README.md': '# app\n' } });
    const home = process.env.HOME!;
    // Starts with "--": a prompt must never be read as an option.
    const prompt = `--help wanted: add a greeting file\nstub-write hello.txt hello from ${agent}`;
    // The preset's command line as shipped; only the environment is added (an `agents:` entry
    // with a preset's name replaces the preset, so it repeats command and stdin).
    const agents = { [agent]: { command: PRESETS[agent]!.command, stdin: PRESETS[agent]!.stdin, env: { ...NO_NETWORK, ...agentEnv(agent, stub.url, home) } } };
    writeFleet(
      r.dir,
      `version: 1
defaults: { retries: 0, check: "grep -qx 'hello from ${agent}' hello.txt" }
agents: ${JSON.stringify(agents)}
tasks:
  - id: greet
    agent: ${agent}
    prompt: ${JSON.stringify(prompt)}
`,
    );
    const asked = stub.requests().length;

    const result = await runFleet(r.dir);
    const agentLog = readAgentLog(r.dir);
    expect(result.code, `${result.out}${result.err}\n--- agent.log ---\n${agentLog}`).toBe(0);

    expect(r.git('show', 'main:hello.txt')).toBe(`hello from ${agent}`);
    // The agent committed nothing itself: the task branch holds fleet's one commit.
    expect(r.git('log', '--format=%s', 'main^1..main^2').split('\n')).toEqual(['greet']);
    expect(stub.requests().length).toBeGreaterThan(asked);

    // The structured output parses into progress: the edit as the action, tokens from the stub.
    const progress = progressOf(agent, agentLog);
    expect(progress.action).toMatch(/hello\.txt/);
    expect(progress.tokens?.output).toBeGreaterThan(0);
  });
});
