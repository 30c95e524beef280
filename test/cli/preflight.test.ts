// Problems found with git and PATH after the file loaded (a missing base branch, a project path
// that is not a repository's top level, an agent not installed) point at the line that asks for
// them, exactly like the file's own errors, and exit 2.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetCli, writeFleet } from '../helpers/fleet.js';
import { tempRepos } from '../helpers/repo.js';

const repo = tempRepos();
const MISSING = 'fleet-test-no-such-agent';

async function validate(dir: string) {
  const result = await fleetCli(dir, 'validate');
  expect(result.code).toBe(2);
  return result.err;
}

describe('a base branch that does not exist', () => {
  it('points at the base: line that names it, under defaults or in a task, once per branch', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1
defaults:
  base: develop
tasks:
  - { id: a, run: "true" }
  - { id: b, run: "true" }
  - { id: c, run: "true", base: release }
  - { id: d, run: "true", base: release }
`);
    expect(await validate(r.dir)).toBe(
      `fleet.yaml:3:9: defaults.base: base branch develop does not exist in ${r.dir}
  hint: create it (git branch develop) or set \`base:\` to an existing branch
fleet.yaml:7:33: tasks[2].base: base branch release does not exist in ${r.dir}
  hint: create it (git branch release) or set \`base:\` to an existing branch
fleet: 2 problems in the fleet file
`,
    );
  });

  it("points at a project's base: line", async () => {
    const r = repo();
    writeFleet(r.root, `version: 1
projects:
  app:
    path: repo
    base: develop
    tasks: [{ id: a, run: "true" }]
`);
    expect(await validate(r.root)).toContain(`fleet.yaml:5:11: projects.app.base: base branch develop does not exist in ${r.dir}\n`);
  });

  it('points at the first task relying on the built-in main when the repository has none', async () => {
    const r = repo({ branch: 'trunk' });
    writeFleet(r.dir, 'version: 1\ntasks:\n  - id: a\n    run: "true"\n  - id: b\n    run: "true"\n');
    const err = await validate(r.dir);
    expect(err).toContain(`fleet.yaml:3:5: tasks[0]: base branch main does not exist in ${r.dir}\n`);
    expect(err).not.toContain('tasks[1]');
  });
});

describe('a project path that is not the top level of a repository', () => {
  it("points at the project's path: line", async () => {
    const r = repo();
    mkdirSync(join(r.dir, 'sub'));
    writeFleet(r.root, `version: 1
projects:
  app:
    path: repo/sub
    tasks: [{ id: a, run: "true" }]
`);
    expect(await validate(r.root)).toBe(
      `fleet.yaml:4:11: projects.app.path: project app (${join(r.dir, 'sub')}) is not the top level of a git repository
  hint: point \`path\` at the directory that holds the repository
fleet: 1 problem in the fleet file
`,
    );
  });

  it('points at the top of a fleet file without projects that sits below the top level', async () => {
    const r = repo();
    mkdirSync(join(r.dir, 'sub'));
    writeFleet(join(r.dir, 'sub'), 'version: 1\ntasks:\n  - { id: a, run: "true" }\n');
    const err = await validate(join(r.dir, 'sub'));
    expect(err).toMatch(/^fleet\.yaml:1:1: \/.*\/sub is not the top level of a git repository\n {2}hint: put fleet\.yaml at the top/);
  });
});

describe('an agent that is not on PATH', () => {
  it('points at the agent: line that chose it, once per agent', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1
defaults:
  agent: mybot
agents:
  mybot: { command: [${MISSING}] }
  other: { command: [${MISSING}-2, "{prompt}"] }
tasks:
  - { id: a, prompt: do a }
  - { id: b, prompt: do b }
  - { id: c, prompt: do c, agent: other }
  - { id: d, run: "true", agent: other }
`);
    expect(await validate(r.dir)).toBe(
      `fleet.yaml:3:10: defaults.agent: agent mybot needs \`${MISSING}\`, which is not on PATH
  hint: install ${MISSING} or change the agent's command
fleet.yaml:10:35: tasks[2].agent: agent other needs \`${MISSING}-2\`, which is not on PATH
  hint: install ${MISSING}-2 or change the agent's command
fleet: 2 problems in the fleet file
`,
    );
  });

  it("points at the task's prompt: line for the built-in default agent", async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1
agents:
  claude: { command: [${MISSING}, "{prompt}"] }
tasks:
  - id: a
    title: A
    prompt: do a
`);
    expect(await validate(r.dir)).toContain(`fleet.yaml:7:5: tasks[0].prompt: agent claude needs \`${MISSING}\`, which is not on PATH\n`);
  });

  it('stops `fleet run` the same way, before anything starts', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\nagents:\n  mybot: { command: [${MISSING}] }\ntasks:\n  - { id: a, prompt: do a, agent: mybot }\n`);
    const result = await fleetCli(r.dir, 'run', '--headless');
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `fleet.yaml:5:35: tasks[0].agent: agent mybot needs \`${MISSING}\`, which is not on PATH
  hint: install ${MISSING} or change the agent's command
fleet: 1 problem in the fleet file
`,
    );
    expect(r.git('branch', '--list', 'fleet/*')).toBe('');
  });
});
