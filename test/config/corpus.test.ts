// Every broken fleet file in corpus/ must fail with one exact, positioned first line: the
// `file:line:col: path: message` a user sees. Adding a file without a row here fails the suite.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, loadFleetFile, type ConfigIssue } from '../../source/config/load.js';

const CORPUS = join(import.meta.dirname, 'corpus');

/** [file, expected first issue after "file:"]. */
const EXPECTED: [string, string][] = [
  ['01-yaml-syntax.yaml', '5:1: invalid YAML: missing closing "quote'],
  ['02-duplicate-key.yaml', '5:5: tasks[0].prompt: duplicate key (first at line 4); each key may appear once in a map'],
  ['03-not-a-map.yaml', '1:1: expected a map with version: 1 and tasks, got a list'],
  ['04-empty.yaml', '1:1: the file is empty; a fleet file starts with version: 1'],
  ['05-missing-version.yaml', '1:1: version: required key is missing (expected 1)'],
  ['06-version-2.yaml', '1:10: version: expected 1, got 2'],
  ['07-concurrency-zero.yaml', '2:14: concurrency: expected an integer from 1 to 256, got 0'],
  ['08-concurrency-too-big.yaml', '2:14: concurrency: expected an integer from 1 to 256, got 300'],
  ['09-concurrency-word.yaml', '2:14: concurrency: expected an integer from 1 to 256, got "four"'],
  ['10-unknown-top-key.yaml', '2:1: concurency: unknown key "concurency" (did you mean "concurrency"?)'],
  ['11-unknown-task-key.yaml', '7:5: tasks[1].depend_on: unknown key "depend_on" (did you mean "depends_on"?)'],
  ['12-no-prompt-no-run.yaml', '3:5: tasks[0]: a task needs prompt (work for an agent) or run (a shell command)'],
  ['13-prompt-and-run.yaml', '5:5: tasks[0].run: a task has prompt or run, not both'],
  ['14-id-dotdot.yaml', '3:9: tasks[0].id: id "a..b" contains ".."; git ref names cannot, and it would escape the worktree directory'],
  ['15-id-slash.yaml', '3:9: tasks[0].id: id "feature/login" contains "/"; an id is a single branch and directory name'],
  ['16-id-leading-dash.yaml', '3:9: tasks[0].id: id "-rf" starts with "-"; git and other programs would read it as an option'],
  ['17-id-lock.yaml', '3:9: tasks[0].id: id "index.lock" ends with ".lock"; git reserves that suffix for its lock files'],
  ['18-id-trailing-dot.yaml', '3:9: tasks[0].id: id "release." ends with "."; git ref names cannot'],
  ['19-id-control-char.yaml', '3:9: tasks[0].id: id "bell\\u0007" contains the control character U+0007'],
  ['20-id-uppercase.yaml', '3:9: tasks[0].id: id "Schema" contains upper case; ids are lower case so they stay distinct on case-insensitive file systems'],
  ['21-id-too-long.yaml', '3:9: tasks[0].id: id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is 64 characters long; at most 63 fit in a branch and directory name'],
  ['22-duplicate-id.yaml', '7:9: tasks[2].id: duplicate id "schema" (first used at line 3)'],
  ['23-unknown-dep.yaml', '7:18: tasks[1].depends_on[0]: unknown task "shema" (did you mean "schema"?)'],
  ['24-self-dep.yaml', '5:18: tasks[0].depends_on[0]: task "schema" depends on itself'],
  ['25-cycle.yaml', '5:17: tasks[0].depends_on: dependency cycle: a → c → b → a'],
  ['26-timeout-words.yaml', '3:12: defaults.timeout: expected a duration such as "45m", "90s", "1h30m" or a number of seconds, got "45 minutes"'],
  ['27-retries-negative.yaml', '5:14: tasks[0].retries: expected an integer from 0 to 100, got -1'],
  ['28-merge-rebase.yaml', '3:10: defaults.merge: expected "merge" or "squash", got "rebase"'],
  ['29-on-conflict-bad.yaml', '5:18: tasks[0].on_conflict: expected "review" or "agent", got "force"'],
  ['30-projects-and-tasks.yaml', '8:1: tasks: top-level tasks are not allowed in a file with projects:'],
  ['31-missing-project-path.yaml', '4:11: projects.api.path: no directory at "./no-such-repo"'],
  ['32-cross-project-unknown.yaml', '13:36: projects.web.tasks[0].depends_on[1]: unknown project "app" in "app:schema" (did you mean "api"?)'],
  ['33-deps-different-bases.yaml', "8:18: tasks[1].depends_on[0]: depends on \"schema\", which merges into \"develop\", but this task's base is \"main\"; tasks that depend on each other in one repository must share a base"],
  ['34-unknown-agent.yaml', '3:10: defaults.agent: unknown agent "claud" (did you mean "claude"?)'],
  ['35-agent-empty-command.yaml', '4:14: agents.mybot.command: expected a non-empty list of strings: the program and its arguments, got an empty list'],
  ['36-copy-not-list.yaml', '3:9: defaults.copy: expected a list of paths relative to the repository, got ".env"'],
  ['37-tasks-empty.yaml', '2:8: tasks: no tasks; add at least one'],
  ['38-tab-indent.yaml', '3:1: YAML does not allow tabs for indentation'],
  ['39-two-documents.yaml', '5:1: a fleet file holds one YAML document, but a second one starts here ("---")'],
  ['40-alias-bomb.yaml', '5:36: d[7]: aliases expand to more than 10000 values; an alias may repeat a block, not multiply it'],
  ['41-deep-nesting.yaml', '2:39: nested more than 32 levels deep; a fleet file needs far fewer'],
  ['42-non-string-key.yaml', '3:3: projects.2024: key 2024 is a number; keys must be strings'],
  ['43-empty-prompt.yaml', '4:5: tasks[0].prompt: expected a prompt, got an empty value'],
  ['44-id-number.yaml', '3:9: tasks[0].id: expected a task id, got 123'],
  ['45-project-dep-without-projects.yaml', '7:18: tasks[1].depends_on[0]: "api:schema" names a project, but this file has no projects: section'],
  ['46-unknown-alias.yaml', '4:13: tasks[0].prompt: unknown alias *shared; an anchor &shared must come before it'],
  ['47-port-base.yaml', '2:16: ports.base: expected an integer from 1024 to 65279, got 80'],
  ['48-setup-number.yaml', '3:19: defaults.setup[1]: expected a command, got 42'],
  ['49-env-bad-name.yaml', '5:12: agents.mybot.env.MY-MODE: name "MY-MODE" is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'],
  ['50-agent-name-upper.yaml', '3:3: agents.MyBot: agent name "MyBot" contains upper case; ids are lower case so they stay distinct on case-insensitive file systems'],
  ['51-copy-escapes.yaml', '5:18: tasks[0].copy[1]: path "../secrets/.env" contains ".."; copy and link paths stay inside the repository'],
  ['52-worktrees-in-task.yaml', '5:5: tasks[0].worktrees: unknown key "worktrees"'],
  ['53-base-invalid.yaml', '3:9: defaults.base: branch "feature..x" contains ".."'],
  ['54-unknown-tag.yaml', '4:10: tasks[0]: unresolved tag: !shell; fleet files use plain YAML without tags'],
  ['56-bare-dep-other-project.yaml', '13:22: projects.web.tasks[0].depends_on[0]: unknown task "schema" (did you mean "api:schema"?)'],
  ['57-project-name-bad.yaml', '3:3: projects["my api"]: project name "my api" contains " "; allowed are a-z, 0-9, ".", "_" and "-"'],
  ['58-no-tasks-key.yaml', '1:1: tasks: no tasks; add at least one'],
  ['59-projects-empty.yaml', '2:11: projects: no projects; add one, or remove projects: and list tasks at the top level'],
  ['60-shared-worktrees.yaml', '11:16: projects.web.worktrees: projects "api" and "web" would share one worktree directory'],
  ['61-timeout-too-long.yaml', '5:14: tasks[0].timeout: "200h" is longer than the maximum of 168h'],
  ['62-depends-on-string.yaml', '7:17: tasks[1].depends_on: expected a list of task ids, got "schema"'],
  ['63-null-task.yaml', '5:4: tasks[1]: expected a task (a map with id and prompt or run), got an empty value'],
  ['64-command-string.yaml', '4:14: agents.mybot.command: expected a list of strings: the program and its arguments, got "mybot --yes"'],
  ['65-queue-batch-zero.yaml', '2:17: queue.batch: expected an integer from 1 to 256, got 0'],
  ['66-queue-batch-too-big.yaml', '3:10: queue.batch: expected an integer from 1 to 256, got 300'],
  ['67-queue-gates-over-concurrency.yaml', '4:10: queue.gates: expected an integer from 1 to concurrency (3), got 4'],
  ['68-queue-gates-zero.yaml', '2:17: queue.gates: expected an integer from 1 to concurrency, got 0'],
  ['69-queue-unknown-key.yaml', '3:3: queue.batches: unknown key "batches" (did you mean "batch"?)'],
  ['70-on-gate-failure-bad.yaml', '3:20: defaults.on_gate_failure: expected "review" or "agent", got "retry"'],
  ['71-project-queue-unknown-key.yaml', '6:14: projects.api.queue.gate: unknown key "gate" (did you mean "gates"?)'],
  ['72-project-queue-gates.yaml', '6:21: projects.api.queue.gates: expected an integer from 1 to concurrency (2), got 3'],
  ['73-notify-terminal-bad.yaml', '3:13: notify.terminal: expected "bell", "osc" or "off", got "loud"'],
  ['74-notify-unknown-key.yaml', '2:11: notify.comand: unknown key "comand" (did you mean "command"?)'],
  ['75-approve-not-bool.yaml', '5:14: tasks[0].approve: expected true or false, got "yes please"'],
  ['76-agent-named-budget-unknown-key.yaml', '3:43: agents.budget.stdn: unknown key "stdn" (did you mean "stdin"?)'],
  ['77-task-budget-unknown-key.yaml', '5:15: tasks[0].budget.usdd: unknown key "usdd" (did you mean "usd"?)'],
];

/** Hints the user sees under the first line, where the fix is not obvious from the message. */
const HINTS: Record<string, string> = {
  '02-duplicate-key.yaml': 'remove or merge one of the two entries',
  '05-missing-version.yaml': 'start the file with the line: version: 1',
  '06-version-2.yaml': 'this fleet reads version 1 files only',
  '10-unknown-top-key.yaml': 'valid keys here: version, concurrency, budget, ports, queue, notify, defaults, agents, projects, tasks',
  '14-id-dotdot.yaml': 'ids look like "add-users" or "api.v2": a-z, 0-9, ".", "_", "-"; each becomes the branch fleet/<id>',
  '25-cycle.yaml': 'remove one of these dependencies',
  '34-unknown-agent.yaml': 'known agents: claude, codex, gemini, opencode, aider or shell; define others under agents:',
  '36-copy-not-list.yaml': 'write a list: copy: [.env]',
  '38-tab-indent.yaml': 'indent with spaces',
  '42-non-string-key.yaml': 'put it in quotes: "2024"',
  '44-id-number.yaml': 'YAML read this as a number or boolean; put it in quotes to make it a string',
  '52-worktrees-in-task.yaml': 'worktrees is a project setting: set it under defaults or in a project',
  '62-depends-on-string.yaml': 'write a list: depends_on: [schema]',
  '67-queue-gates-over-concurrency.yaml': 'gate checks run beside the agents, so there are never more of them than concurrency allows',
  '69-queue-unknown-key.yaml': 'valid keys here: batch, gates',
  '76-agent-named-budget-unknown-key.yaml': 'valid keys here: command, env, stdin, model_flag',
  '77-task-budget-unknown-key.yaml': 'valid keys here: usd, tokens',
  '64-command-string.yaml': 'a command is never shell-parsed: write a list such as [mybot, --yes, "{prompt}"]',
};

/** How formatIssue names a file: relative when it sits under the working directory. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function firstIssue(file: string): ConfigIssue {
  try {
    loadFleetFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect((error as ConfigError).message).toBe(formatIssue(issues[0]!));
    return issues[0]!;
  }
  throw new Error(`${file} loaded without an error`);
}

describe('broken fleet files', () => {
  it('has a row for every corpus file, and at least 35 of them', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(EXPECTED.map(([name]) => name));
    expect(files.length).toBeGreaterThanOrEqual(35);
  });

  it.each(EXPECTED)('%s fails with one exact positioned line', (name, expected) => {
    const file = join(CORPUS, name);
    const issue = firstIssue(file);
    expect(formatIssue(issue)).toBe(`${shown(file)}:${expected}`);
    expect(issue.message).not.toContain('\n');
    if (HINTS[name] !== undefined) expect(issue.hint).toBe(HINTS[name]);
  });
});

describe('a prompt over 96 KiB', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is rejected at the prompt with its size in bytes', () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-config-'));
    const file = join(dir, '55-prompt-too-long.yaml');
    // 98,305 bytes: one over the limit, with a multi-byte character so bytes, not characters, count.
    const prompt = 'é'.repeat(49_152) + 'x';
    writeFileSync(file, `version: 1\ntasks:\n  - id: huge\n    prompt: ${prompt}\n`);
    const issue = firstIssue(file);
    expect(issue).toMatchObject({ line: 4, col: 13, path: 'tasks[0].prompt' });
    expect(issue.message).toBe('the prompt is 98305 bytes; at most 98304 (96 KiB)');
    expect(issue.hint).toBe('put long instructions in a file in the repository and tell the agent to read it');
  });

  it('accepts exactly 96 KiB', () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-config-'));
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, `version: 1\ntasks:\n  - id: big\n    prompt: ${'é'.repeat(49_152)}\n`);
    expect(loadFleetFile(file).tasks[0]!.prompt).toHaveLength(49_152);
  });
});
