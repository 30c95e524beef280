import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetSpec, ProjectSpec, TaskSpec } from '../../source/core/fleet.js';
import { PRESETS } from '../../source/core/presets.js';
import { ConfigError, formatIssue, loadFleetFile, parseFleetText, type ConfigIssue } from '../../source/config/load.js';
import { keysAt } from '../../source/config/schema.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'fleet.example.yaml');

let root: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-config-')));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(name: string, text: string | Buffer): string {
  const file = join(root, name);
  writeFileSync(file, text);
  return file;
}

function issuesOf(run: () => unknown): ConfigIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A task with every built-in default, to spell out only what a test changes. */
function task(fields: Partial<TaskSpec> & Pick<TaskSpec, 'key' | 'id' | 'project'>): TaskSpec {
  return {
    title: fields.id,
    dependsOn: [],
    agent: 'claude',
    allowEmpty: false,
    approve: false,
    onConflict: 'review',
    onGateFailure: 'review',
    resumeSession: true,
    base: 'main',
    setup: [],
    check: [],
    copy: [],
    link: [],
    merge: 'merge',
    timeoutMs: 45 * 60_000,
    retries: 1,
    // Positions have their own tests below.
    at: expect.anything() as TaskSpec['at'],
    ...fields,
  };
}

/** A project with the default queue, concurrency permitting. */
function project(fields: Pick<ProjectSpec, 'name' | 'path' | 'worktreeDir'> & Partial<ProjectSpec>): ProjectSpec {
  return { queue: { batch: 16, gates: 2, wantedGates: 2 }, at: expect.anything() as ProjectSpec['at'], ...fields };
}

const MULTI = `
version: 1
concurrency: 3
ports: { base: 42000 }
notify: { terminal: bell, command: 'notify-send fleet "$FLEET_MESSAGE"' }
defaults:
  agent: codex
  setup: npm ci
  check: [npm test, npm run lint]
  copy: [.env]
  link: [.cache/models]
  merge: squash
  timeout: 90s
  retries: 2
agents:
  mybot: { command: [mybot, --yes, "{prompt}"], env: { MYBOT_MODE: ci }, stdin: prompt }
  shell: { command: [bash, -c, "{prompt}"] }
projects:
  api:
    path: api
    tasks:
      - id: schema
        title: Add users table
        prompt: Add a users table
      - id: endpoints
        prompt: Add CRUD endpoints
        depends_on: [schema]
        agent: mybot
        timeout: 1h30m
        retries: 0
        allow_empty: true
        on_conflict: agent
  web:
    path: ./web
    base: develop
    worktrees: ../trees/web
    merge: merge
    check: npm run e2e
    approve: true
    tasks:
      - id: schema
        run: npm run gen
        timeout: 600
        setup: []
      - id: client
        prompt: Generate the client
        depends_on: ["api:endpoints", schema, schema]
        approve: false
        agent: shell
        copy: []
`;

describe('a valid file with projects', () => {
  it('resolves to the FleetSpec, task settings over project over defaults over built-in', () => {
    mkdirSync(join(root, 'api'));
    mkdirSync(join(root, 'web'));
    const file = write('fleet.yaml', MULTI);
    const spec = loadFleetFile(file);

    const api = { base: 'main', setup: ['npm ci'], check: ['npm test', 'npm run lint'], copy: ['.env'], link: ['.cache/models'], merge: 'squash' as const };
    const web = { ...api, base: 'develop', check: ['npm run e2e'], merge: 'merge' as const };
    const expected: FleetSpec = {
      file,
      dir: root,
      version: 1,
      concurrency: 3,
      portBase: 42000,
      agents: {
        ...structuredClone(PRESETS),
        mybot: { name: 'mybot', command: ['mybot', '--yes', '{prompt}'], env: { MYBOT_MODE: 'ci' }, stdin: 'prompt' },
        shell: { name: 'shell', command: ['bash', '-c', '{prompt}'], env: {}, stdin: 'closed' },
      },
      projects: [
        project({ name: 'api', path: join(root, 'api'), worktreeDir: join(root, 'api.worktrees') }),
        project({ name: 'web', path: join(root, 'web'), worktreeDir: join(root, 'trees', 'web') }),
      ],
      multiProject: true,
      tasks: [
        task({
          key: 'api:schema',
          id: 'schema',
          project: 'api',
          title: 'Add users table',
          prompt: 'Add a users table',
          agent: 'codex',
          timeoutMs: 90_000,
          retries: 2,
          ...api,
        }),
        task({
          key: 'api:endpoints',
          id: 'endpoints',
          project: 'api',
          prompt: 'Add CRUD endpoints',
          dependsOn: ['api:schema'],
          agent: 'mybot',
          allowEmpty: true,
          onConflict: 'agent',
          timeoutMs: 90 * 60_000,
          retries: 0,
          ...api,
        }),
        task({ key: 'web:schema', id: 'schema', project: 'web', run: 'npm run gen', agent: 'codex', timeoutMs: 600_000, retries: 2, ...web, setup: [], approve: true }),
        task({
          key: 'web:client',
          id: 'client',
          project: 'web',
          prompt: 'Generate the client',
          dependsOn: ['api:endpoints', 'web:schema'],
          agent: 'shell',
          timeoutMs: 90_000,
          retries: 2,
          ...web,
          copy: [],
        }),
      ],
      notify: { terminal: 'bell', command: 'notify-send fleet "$FLEET_MESSAGE"' },
    };
    expect(spec).toEqual(expected);
    // Plain data: the engine journals it.
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('gives every task its own arrays, so changing one task cannot change another', () => {
    mkdirSync(join(root, 'api'));
    mkdirSync(join(root, 'web'));
    const spec = loadFleetFile(write('fleet.yaml', MULTI));
    spec.tasks[0]!.check.push('changed');
    expect(spec.tasks[1]!.check).toEqual(['npm test', 'npm run lint']);
    expect(PRESETS.shell!.command).toEqual(['sh', '-c', '{prompt}']);
  });

  it('reports a dependency cycle across projects with the keys of the loop', () => {
    mkdirSync(join(root, 'api'));
    mkdirSync(join(root, 'web'));
    const text = `version: 1
projects:
  api:
    path: api
    tasks:
      - { id: a, run: make a, depends_on: ["web:b"] }
  web:
    path: web
    tasks:
      - { id: b, run: make b, depends_on: ["api:a"] }
`;
    const [issue, ...rest] = issuesOf(() => loadFleetFile(write('fleet.yaml', text)));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ line: 6, col: 43, path: 'projects.api.tasks[0].depends_on', message: 'dependency cycle: api:a → web:b → api:a' });
  });

  it('lets tasks in different repositories depend on each other across bases', () => {
    mkdirSync(join(root, 'api'));
    mkdirSync(join(root, 'web'));
    const text = `version: 1
projects:
  api: { path: api, base: trunk, tasks: [{ id: a, run: make a }] }
  web: { path: web, tasks: [{ id: b, run: make b, depends_on: ["api:a"] }] }
`;
    const spec = loadFleetFile(write('fleet.yaml', text));
    expect(spec.tasks.map((t) => [t.key, t.base, t.dependsOn])).toEqual([
      ['api:a', 'trunk', []],
      ['web:b', 'main', ['api:a']],
    ]);
  });

  it('rejects a project path that is a file, and two projects in one directory', () => {
    mkdirSync(join(root, 'api'));
    write('notes.txt', 'not a repo');
    const text = `version: 1
projects:
  api: { path: api, tasks: [{ id: a, run: make a }] }
  again: { path: ./api/, worktrees: ../other, tasks: [{ id: a, run: make a }] }
  notes: { path: notes.txt, tasks: [{ id: a, run: make a }] }
`;
    const issues = issuesOf(() => loadFleetFile(write('fleet.yaml', text)));
    expect(issues.map(formatIssue).map((line) => line.slice(line.indexOf(':') + 1))).toEqual([
      '4:18: projects.again.path: is the same directory as project "api"',
      '5:18: projects.notes.path: "notes.txt" is not a directory',
    ]);
  });
});

describe('a valid file without projects', () => {
  it('is one project named after the directory holding the file, with built-in defaults', () => {
    const repo = join(root, 'shop');
    mkdirSync(repo);
    const text = 'version: 1\ntasks:\n  - id: a\n    run: make a\n  - id: b\n    prompt: do b\n    depends_on: [a]\n';
    const spec = loadFleetFile(write('shop/fleet.yaml', text));
    const gates = Math.min(2, Math.min(256, availableParallelism()));
    expect(spec).toEqual({
      file: join(repo, 'fleet.yaml'),
      dir: repo,
      version: 1,
      concurrency: Math.min(256, availableParallelism()),
      portBase: 41000,
      agents: structuredClone(PRESETS),
      projects: [project({ name: 'shop', path: repo, worktreeDir: join(root, 'shop.worktrees'), queue: { batch: 16, gates: gates, wantedGates: 2 } })],
      multiProject: false,
      tasks: [task({ key: 'a', id: 'a', project: 'shop', run: 'make a' }), task({ key: 'b', id: 'b', project: 'shop', prompt: 'do b', dependsOn: ['a'] })],
      notify: { terminal: 'osc' },
    } satisfies FleetSpec);
  });

  it('refuses worktrees straight in the repository', () => {
    const issues = issuesOf(() => parseFleetText('version: 1\ndefaults: { worktrees: . }\ntasks: [{ id: a, run: x }]\n', join(root, 'fleet.yaml')));
    expect(issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      `2:24 defaults.worktrees: puts worktrees straight into the repository of project "${root.split('/').pop()}"`,
    ]);
  });

  it("refuses a task whose worktree would be the repository: worktrees beside it and the repository's own name", () => {
    const repo = join(root, 'shop');
    mkdirSync(repo, { recursive: true });
    const issues = issuesOf(() => parseFleetText('version: 1\ndefaults: { worktrees: .. }\ntasks: [{ id: shop, run: x }, { id: fine, run: y }]\n', join(repo, 'fleet.yaml')));
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([`tasks[0].id: its worktree "${repo}" would be the repository of project "shop", or hold it`]);
  });

  it('puts worktrees where defaults.worktrees says, relative to the repository', () => {
    const spec = parseFleetText('version: 1\ndefaults: { worktrees: .fleet/trees }\ntasks: [{ id: a, run: x }]\n', join(root, 'fleet.yaml'));
    expect(spec.projects).toEqual([project({ name: root.split('/').pop()!, path: root, worktreeDir: join(root, '.fleet', 'trees'), queue: spec.projects[0]!.queue })]);
  });

  it('accepts a byte order mark, CRLF line ends, and anchors shared by aliases', () => {
    const text = '\uFEFFversion: 1\r\ndefaults:\r\n  check: &checks [npm test]\r\ntasks:\r\n  - id: a\r\n    run: make\r\n    setup: *checks\r\n';
    const spec = loadFleetFile(write('fleet.yaml', text));
    expect(spec.tasks[0]).toMatchObject({ run: 'make', setup: ['npm test'], check: ['npm test'] });
  });

  it('validates and resolves a 1000-task chain', () => {
    let text = 'version: 1\ntasks:\n';
    for (let i = 0; i < 1000; i++) text += `  - id: t${i}\n    run: make t${i}\n${i > 0 ? `    depends_on: [t${i - 1}]\n` : ''}`;
    const spec = parseFleetText(text, join(root, 'fleet.yaml'));
    expect(spec.tasks).toHaveLength(1000);
    expect(spec.tasks[999]!.dependsOn).toEqual(['t998']);
  });
});

describe('fleet.example.yaml', () => {
  it('loads where it lives, using no agent CLI in its active tasks', () => {
    const spec = loadFleetFile(EXAMPLE);
    expect(spec.multiProject).toBe(false);
    expect(spec.tasks.map((t) => t.key)).toEqual(['hello', 'notes', 'confirm']);
    for (const t of spec.tasks) expect(t.run !== undefined || spec.agents[t.agent]!.command[0] === 'sh').toBe(true);
  });

  it('loads as fleet.yaml in any directory', () => {
    const file = write('fleet.yaml', readFileSync(EXAMPLE));
    expect(loadFleetFile(file).tasks).toHaveLength(3);
  });

  it('mentions every key fleet understands', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const maps = [[], ['ports'], ['queue'], ['notify'], ['defaults'], ['agents', 'x'], ['projects', 'x'], ['tasks', 0]];
    const keys = new Set(maps.flatMap((path) => keysAt(path)));
    const missing = [...keys].filter((key) => !new RegExp(`^[\\s#-]*${key}:`, 'm').test(text));
    expect(missing).toEqual([]);
  });
});

describe('reading the file', () => {
  it('reports a missing file at 1:1 with a hint', () => {
    const file = join(root, 'fleet.yaml');
    expect(issuesOf(() => loadFleetFile(file))).toEqual([
      { file, line: 1, col: 1, path: '', message: 'no such file', hint: 'create one (see fleet.example.yaml), or pass -f FILE' },
    ]);
  });

  it('refuses a directory and a file over 16 MiB', () => {
    expect(issuesOf(() => loadFleetFile(root))[0]!.message).toBe('is a directory, not a fleet file');
    const big = write('fleet.yaml', '');
    truncateSync(big, 17 * 1024 * 1024);
    expect(issuesOf(() => loadFleetFile(big))[0]!.message).toBe('the file is 17 MiB; at most 16 MiB');
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const fifo = join(root, 'fleet.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(issuesOf(() => loadFleetFile(fifo))[0]!.message).toBe('is not a regular file');
  });

  it('points at the first byte that is not UTF-8', () => {
    const file = write('fleet.yaml', Buffer.concat([Buffer.from('version: 1\ntasks:\n  - id: a\n    run: ma'), Buffer.from([0xff]), Buffer.from('ke\n')]));
    expect(issuesOf(() => loadFleetFile(file))).toEqual([
      { file, line: 4, col: 12, path: '', message: 'the file is not valid UTF-8', hint: 'save it as UTF-8' },
    ]);
  });
});

describe('hostile input', () => {
  const file = () => join(root, 'fleet.yaml');
  const firstMessage = (text: string) => issuesOf(() => parseFleetText(text, file()))[0]!.message;

  it('stops 100,000 nested brackets before the parser recurses into them', () => {
    const text = `version: 1\ntasks: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect(firstMessage(text)).toBe('nested more than 32 levels deep; a fleet file needs far fewer');
  });

  it('stops an alias that contains itself', () => {
    expect(firstMessage('version: 1\ntasks: &t [*t]\n')).toBe('alias *t nests more than 32 levels deep');
  });

  it('treats __proto__ as a forbidden key and leaves Object.prototype alone', () => {
    expect(firstMessage('version: 1\n__proto__: { polluted: true }\ntasks: [{ id: a, run: x }]\n')).toBe('the key "__proto__" is not allowed');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects keys that are not strings', () => {
    expect(firstMessage('version: 1\ntrue: 1\ntasks: [{ id: a, run: x }]\n')).toBe('key true is a boolean; keys must be strings');
    expect(firstMessage('version: 1\n? [a, b]\n: 1\ntasks: [{ id: a, run: x }]\n')).toBe('keys must be strings, got a list, map or alias');
  });

  it('escapes control characters wherever user text reaches a message', () => {
    const issue = issuesOf(() => parseFleetText('version: 1\n"\\e]0;title\\a": 1\ntasks: [{ id: a, run: x }]\n', file()))[0]!;
    expect([issue.path, issue.message]).toEqual(['["\\u001b]0;title\\u0007"]', 'unknown key "\\u001b]0;title\\u0007"']);
  });

  it('rejects a NUL byte in a command, which no process could receive', () => {
    const message = firstMessage('version: 1\ntasks:\n  - id: a\n    run: "make\\0"\n');
    expect(message).toBe('the command contains a NUL character, which cannot be passed to a process');
  });

  it('throws nothing but ConfigError for any mutation of a valid file', () => {
    const valid = readFileSync(EXAMPLE, 'utf8');
    const pieces = [':', '-', '[', ']', '{', '}', '&a', '*a', '!', '|', '>', "'", '"', '#', '\t', '\n', ' ', ',', '?', '%', '@', '`'];
    pieces.push('\u0007', '\uFEFF', '\u0000', '...', '---', '~', 'true', '1', '__proto__', '&b [*a, *a]');
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 400; round++) {
      let text = valid;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length);
        const piece = pieces[random(pieces.length)]!;
        text = random(2) === 0 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + random(20));
      }
      try {
        parseFleetText(text, file());
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        for (const issue of (error as ConfigError).issues) {
          expect(issue.line).toBeGreaterThanOrEqual(1);
          expect(issue.col).toBeGreaterThanOrEqual(1);
          // One line, and nothing that could drive the terminal: user text arrives escaped.
          expect(`${issue.path} ${issue.message} ${issue.hint ?? ''}`).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
      }
    }
  });
});

describe('issues', () => {
  const file = () => join(root, 'fleet.yaml');

  it('are all collected and sorted by position; the error message is the first', () => {
    const text = 'version: 1\nconcurrency: 0\ntasks:\n  - id: A\n    run: 5\n    foo: 1\n  - {}\n';
    let caught: unknown;
    try {
      parseFleetText(text, file());
    } catch (error) {
      caught = error;
    }
    const error = caught as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual([
      '2:14 concurrency',
      '4:9 tasks[0].id',
      '5:10 tasks[0].run',
      '6:5 tasks[0].foo',
      '7:5 tasks[1].id',
    ]);
    expect(error.message).toBe(formatIssue(error.issues[0]!));
  });

  it('skip meaning checks while the shape is wrong', () => {
    const text = 'version: 1\ntasks:\n  - id: a\n    run: x\n    depends_on: [nope]\n    colour: blue\n';
    expect(issuesOf(() => parseFleetText(text, file())).map((i) => i.path)).toEqual(['tasks[0].colour']);
  });

  it('about an inherited value appear once, where the value is written', () => {
    const text = 'version: 1\ndefaults: { agent: claud }\ntasks:\n  - { id: a, prompt: x }\n  - { id: b, prompt: y }\n';
    expect(issuesOf(() => parseFleetText(text, file())).map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual(['2:20 defaults.agent']);
  });

  it('include an unknown agent under defaults that every task overrides', () => {
    const text = 'version: 1\ndefaults: { agent: claud }\ntasks:\n  - { id: a, prompt: x, agent: codex }\n';
    expect(issuesOf(() => parseFleetText(text, file())).map(formatIssue).map((l) => l.slice(l.indexOf(':') + 1))).toEqual([
      '2:20: defaults.agent: unknown agent "claud" (did you mean "claude"?)',
    ]);
  });

  it('name the file relative to the working directory when it is inside it', () => {
    const issue = { file: join(process.cwd(), 'sub', 'fleet.yaml'), line: 3, col: 7, path: 'tasks[0].id', message: 'm' };
    expect(formatIssue(issue)).toBe(`${join('sub', 'fleet.yaml')}:3:7: tasks[0].id: m`);
    expect(formatIssue({ ...issue, path: '', hint: 'not shown' })).toBe(`${join('sub', 'fleet.yaml')}:3:7: m`);
  });
});
