import type { AgentSpec } from './fleet.js';

// Built-in agent command lines. Each is checked against the real CLI's --help; docs/agents.md says
// why every flag is there. "{prompt}" is replaced by the prompt as one argv element.
export const PRESETS: Readonly<Record<string, AgentSpec>> = {
  claude: {
    name: 'claude',
    command: ['claude', '-p', '{prompt}', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'],
    env: {},
    stdin: 'closed',
  },
  codex: {
    name: 'codex',
    command: ['codex', 'exec', '--json', '--full-auto', '--skip-git-repo-check', '{prompt}'],
    env: {},
    stdin: 'closed',
  },
  gemini: {
    name: 'gemini',
    command: ['gemini', '--yolo', '--output-format', 'stream-json', '--prompt', '{prompt}'],
    env: {},
    stdin: 'closed',
  },
  opencode: {
    name: 'opencode',
    command: ['opencode', 'run', '{prompt}'],
    env: {},
    stdin: 'closed',
  },
  aider: {
    name: 'aider',
    command: ['aider', '--yes-always', '--no-auto-commits', '--no-pretty', '--message', '{prompt}'],
    env: {},
    stdin: 'closed',
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
