import type { AgentSpec } from './fleet.js';

// Built-in agent command lines, checked against each CLI's --help and run against a local stub
// model (docs/agents.md: versions, and why every flag is there). "{prompt}" is replaced by the
// prompt as one argv element; it comes after "--" so a prompt starting with "-" is not read as
// an option. `resume` continues a session the agent's stream named (a revision, docs/agents.md).
// gemini and opencode take the prompt on stdin instead: gemini's --prompt refuses a
// value that starts with "-", and opencode wraps an argv message that has spaces in quotes.
// `modelFlag` is each CLI's own model option (docs/agents.md, "Model"); shell has none.
export const PRESETS: Readonly<Record<string, AgentSpec>> = {
  claude: {
    name: 'claude',
    command: ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', '--', '{prompt}'],
    resume: ['claude', '-p', '--resume', '{session}', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', '--', '{prompt}'],
    env: {},
    stdin: 'closed',
    modelFlag: '--model',
  },
  codex: {
    name: 'codex',
    command: ['codex', 'exec', '--json', '--sandbox', 'workspace-write', '--', '{prompt}'],
    // exec's own options go before `resume`, which takes only the session id and the prompt.
    resume: ['codex', 'exec', '--json', '--sandbox', 'workspace-write', 'resume', '{session}', '--', '{prompt}'],
    env: {},
    stdin: 'closed',
    modelFlag: '-m',
  },
  gemini: {
    name: 'gemini',
    command: ['gemini', '--skip-trust', '--yolo', '--output-format', 'stream-json', '--prompt='],
    env: {},
    stdin: 'prompt',
    modelFlag: '-m',
  },
  opencode: {
    name: 'opencode',
    command: ['opencode', 'run', '--auto', '--format', 'json'],
    resume: ['opencode', 'run', '--auto', '--format', 'json', '--session', '{session}'],
    env: {},
    stdin: 'prompt',
    modelFlag: '-m',
  },
  aider: {
    name: 'aider',
    command: [
      'aider',
      '--yes-always',
      '--no-auto-commits',
      '--no-dirty-commits',
      '--no-pretty',
      '--no-analytics',
      '--no-check-update',
      '--no-show-release-notes',
      '--no-detect-urls',
      '--message',
      '{prompt}',
    ],
    env: {},
    stdin: 'closed',
    modelFlag: '--model',
  },
  shell: {
    name: 'shell',
    command: ['sh', '-c', '{prompt}'],
    env: {},
    stdin: 'closed',
  },
};

/** What `fleet validate` suggests when a preset's program is not on PATH. */
export const INSTALL_HINTS: Readonly<Record<string, string>> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  gemini: 'npm install -g @google/gemini-cli',
  opencode: 'npm install -g opencode-ai',
  aider: 'python -m pip install aider-install && aider-install',
};
