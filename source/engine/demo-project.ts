// The throwaway project `fleet demo` builds: a tiny repo, scripted agents (plain shell, no agent
// CLI), and a fleet file that exercises parallel tasks, a dependency chain, a retried check
// failure and a conflict that lands in review.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitOk } from '../git/exec.js';

const DEMO_FILES: Record<string, string> = {
  'README.md': '# Demo app\n\nA tiny project for `fleet demo`.\n',
  'src/app.txt': 'app v1\n',
  'check.sh': [
    '#!/bin/sh',
    '# The project\'s test suite: no file under src/ may still say TODO.',
    'if grep -rn TODO src; then echo "check: found TODO markers" >&2; exit 1; fi',
    'echo "check: all good"',
    '',
  ].join('\n'),
  '.gitignore': 'node_modules/\n',
};

/** One scripted agent: prints progress like a real one, sleeps, edits files. */
function agent(lines: string[], seconds: number, edit: string): string {
  const steps = lines.map((l) => `echo ${JSON.stringify(l)}; sleep ${(seconds / lines.length).toFixed(2)}`).join('\n');
  return `#!/bin/sh\nset -e\n${steps}\n${edit}\n`;
}

const DEMO_AGENTS: Record<string, string> = {
  'title.sh': agent(
    ['Reading README.md', 'Choosing a better title', 'Editing README.md'],
    1.5,
    "sed -i '1s/.*/# Demo app — now with fleet/' README.md",
  ),
  'rename.sh': agent(
    ['Reading README.md', 'Thinking about naming', 'Still thinking', 'Editing README.md'],
    4,
    "sed -i '1s/.*/# Renamed demo app/' README.md",
  ),
  'greeting.sh': agent(
    ['Planning the greeting', 'Writing src/greeting.txt', 'Polishing'],
    2,
    'echo "Hello from fleet" > src/greeting.txt',
  ),
  'colors.sh': agent(
    ['Looking for a palette', 'Writing src/colors.txt', '\u001b[32mgreen\u001b[0m looks good'],
    2.5,
    'printf "red\\ngreen\\nblue\\n" > src/colors.txt',
  ),
  'flaky.sh': [
    '#!/bin/sh',
    'set -e',
    'echo "Attempt $FLEET_ATTEMPT: writing src/feature.txt"',
    'sleep 1',
    'if [ "$FLEET_ATTEMPT" = 1 ]; then',
    '  echo "feature: half done TODO finish" > src/feature.txt',
    '  echo "Done (I think)"',
    'else',
    '  echo "The last check failed; the prompt says why. Fixing the TODO."',
    '  echo "feature: done" > src/feature.txt',
    'fi',
    '',
  ].join('\n'),
  'docs.sh': agent(
    ['Reading src/greeting.txt and src/colors.txt', 'Writing docs/usage.md'],
    1.5,
    'mkdir -p docs && { echo "# Usage"; cat src/greeting.txt; cat src/colors.txt; } > docs/usage.md',
  ),
  'announce.sh': agent(['Announcing the new name'], 1, 'echo "renamed" > ANNOUNCE.md'),
  'release.sh': agent(
    ['Collecting changes', 'Writing CHANGELOG.md'],
    1,
    'printf "# Changelog\\n\\n- greeting, colors, docs, feature\\n" > CHANGELOG.md',
  ),
};

function demoFleetFile(agentsDir: string): string {
  const run = (name: string) => JSON.stringify(`sh ${agentsDir}/${name}.sh`);
  return `# Written by \`fleet demo\`. Every task is a scripted shell "agent".
version: 1
concurrency: 4
defaults:
  setup: echo "setting up $FLEET_TASK_ID on port $FLEET_PORT"
  check: sh check.sh
  retries: 1
  timeout: 2m
tasks:
  - id: title
    title: Give the README a better title
    run: ${run('title')}
  - id: rename
    title: Rename the app (edits the same line as "title")
    run: ${run('rename')}
  - id: greeting
    title: Add a greeting
    run: ${run('greeting')}
  - id: colors
    title: Add a colour palette
    run: ${run('colors')}
  - id: flaky
    title: Add a feature (its first attempt fails the check)
    run: ${run('flaky')}
  - id: docs
    title: Document greeting and colours
    run: ${run('docs')}
    depends_on: [greeting, colors]
  - id: announce
    title: Announce the new name
    run: ${run('announce')}
    depends_on: [rename]
  - id: release
    title: Write the changelog
    run: ${run('release')}
    depends_on: [docs, flaky]
`;
}

/** Builds the demo under `root`: the repository in `app/` (its fleet.yaml excluded from git) and the agents in `agents/`. */
export async function buildDemoProject(root: string): Promise<{ repo: string; file: string }> {
  const repo = join(root, 'app');
  const agents = join(root, 'agents');
  await buildRepo(repo);
  mkdirSync(agents, { recursive: true });
  for (const [name, body] of Object.entries(DEMO_AGENTS)) writeFileSync(join(agents, name), body, { mode: 0o755 });
  const file = join(repo, 'fleet.yaml');
  writeFileSync(file, demoFleetFile(agents));
  return { repo, file };
}

async function buildRepo(repo: string): Promise<void> {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => gitOk(repo, args);
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'Fleet Demo');
  await git('config', 'user.email', 'demo@fleet.invalid');
  for (const [rel, body] of Object.entries(DEMO_FILES)) {
    mkdirSync(dirname(join(repo, rel)), { recursive: true });
    writeFileSync(join(repo, rel), body);
  }
  chmodSync(join(repo, 'check.sh'), 0o755);
  writeFileSync(join(repo, '.git', 'info', 'exclude'), 'fleet.yaml\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'Demo app');
}

