// Pinned agent CLIs for the end-to-end tests, installed once into a cache outside the clone:
// $FLEET_AGENT_CACHE, else <tmpdir>/fleet-agent-cache (not under $HOME: every test file gets its
// own HOME). One directory per package version, marked complete only after a successful install,
// built under a temporary name and renamed into place, so an interrupted or concurrent install
// never leaves a half-installed CLI behind. The install is the only step that uses the network
// (the npm registry); the CLIs themselves only ever talk to the stub model on 127.0.0.1.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The versions docs/agents.md was verified against. */
export const PINNED = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.197' },
  codex: { pkg: '@openai/codex', version: '0.169.0' },
  gemini: { pkg: '@google/gemini-cli', version: '0.61.0' },
  opencode: { pkg: 'opencode-ai', version: '1.18.33' },
} as const;

export type PinnedAgent = keyof typeof PINNED;

export const AGENT_CACHE = process.env.FLEET_AGENT_CACHE ?? join(tmpdir(), 'fleet-agent-cache');

/** Installs the pinned CLI unless its cache directory is complete; returns its node_modules/.bin. */
export async function installAgent(agent: PinnedAgent): Promise<string> {
  const { pkg, version } = PINNED[agent];
  const dir = join(AGENT_CACHE, `${agent}-${version}`);
  const bin = join(dir, 'node_modules', '.bin');
  if (existsSync(join(dir, '.complete'))) return bin;

  const staging = `${dir}.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('npm', ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error', `${pkg}@${version}`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (agent === 'claude') await linkClaudeBinary(staging);
  writeFileSync(join(staging, '.complete'), `${pkg}@${version}\n`);
  if (!existsSync(join(dir, '.complete'))) rmSync(dir, { recursive: true, force: true }); // an interrupted install
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, '.complete'))) throw error; // otherwise another run finished first
  }
  return bin;
}

/**
 * Claude Code's package ships a placeholder `bin/claude.exe` that its postinstall (install.cjs)
 * replaces with the platform's native binary. Where install scripts did not run, `claude
 * --version` fails ("native binary not installed"): run install.cjs then.
 */
async function linkClaudeBinary(prefix: string): Promise<void> {
  const claude = join(prefix, 'node_modules', '.bin', 'claude');
  const env = { ...process.env, DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
  const works = () => run(claude, ['--version'], { env, timeout: 30_000 }).then(() => true, () => false);
  if (await works()) return;
  const pkgDir = join(prefix, 'node_modules', '@anthropic-ai', 'claude-code');
  await run(process.execPath, [join(pkgDir, 'install.cjs')], { cwd: pkgDir });
  if (!(await works())) throw new Error(`claude --version still fails after running ${pkgDir}/install.cjs`);
}
