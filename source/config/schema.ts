// The shape of fleet.yaml (docs/config.md) as a zod schema. Every leaf says in words what it expects,
// so an issue reads "expected an integer from 1 to 256, got 0" rather than zod's defaults.
// Cross-field rules (prompt xor run, unknown deps, cycles, agents) live in resolve.ts.
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { MAX_CANDIDATES } from '../core/names.js';
import { describe, quote } from './describe.js';
import { branchProblem, envNameProblem, idProblem, lineProblem, pathProblem, relativePathProblem, textProblem } from './names.js';

export const MAX_PROMPT_BYTES = 96 * 1024;
export const MAX_TITLE_LENGTH = 200;
export const MAX_RETRIES = 100;
export const MAX_TIMEOUT_MS = 168 * 3_600_000;

interface RawIssue {
  input?: unknown;
}

function expected(what: string) {
  return {
    error: (issue: RawIssue) =>
      issue.input === undefined ? `required key is missing (expected ${what})` : `expected ${what}, got ${describe(issue.input)}`,
  };
}

/** A string that must also pass a `names.ts` check; `noun` names the value in the message. */
function checked(what: string, problem: (text: string) => string | undefined, noun: (text: string) => string, hint?: string) {
  return z.string(expected(what)).superRefine((text, ctx) => {
    const reason = problem(text);
    if (reason === undefined) return;
    const message = reason === 'is empty' ? `expected ${what}, got ${describe(text)}` : `${noun(text)} ${reason}`;
    ctx.addIssue({ code: 'custom', message, params: hint === undefined ? {} : { hint } });
  });
}

function intIn(min: number, max: number, what = `an integer from ${min} to ${max}`) {
  const e = expected(what);
  return z.number(e).int(e).min(min, e).max(max, e);
}

export const MAX_CONCURRENCY = 256;
export const MAX_BATCH = 256;
/** How the gates bound reads: the concurrency itself is checked in resolve.ts, once it is known. */
export const GATES_RANGE = 'an integer from 1 to concurrency';

const ID_HINT = 'ids look like "add-users" or "api.v2": a-z, 0-9, ".", "_", "-"; each becomes the branch fleet/<id>';

const taskId = checked('a task id', idProblem, (id) => `id ${quote(id)}`, ID_HINT);
const nameKey = (kind: string) => checked(`a ${kind}`, idProblem, (name) => `${kind} ${quote(name)}`, ID_HINT);

const line = (what: string) => checked(what, lineProblem, () => 'the value');
const text = (what: string, noun: string) => checked(what, textProblem, () => noun);

const commands = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z.array(text('a command', 'the command'), expected('a command or a list of commands')),
);

const relativePaths = z.array(
  checked('a path relative to the repository', relativePathProblem, (p) => `path ${quote(p)}`),
  expected('a list of paths relative to the repository'),
);

const directory = checked('a directory path', pathProblem, (p) => `path ${quote(p)}`);

const duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    const message = `expected a duration such as "45m", "90s", "1h30m" or a number of seconds, got ${describe(value)}`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  if (ms > MAX_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', message: `${describe(value)} is longer than the maximum of 168h` });
    return z.NEVER;
  }
  return ms;
});

const prompt = text('a prompt', 'the prompt').superRefine((value, ctx) => {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes <= MAX_PROMPT_BYTES) return;
  const message = `the prompt is ${bytes} bytes; at most ${MAX_PROMPT_BYTES} (96 KiB)`;
  const hint = 'put long instructions in a file in the repository and tell the agent to read it';
  ctx.addIssue({ code: 'custom', message, params: { hint } });
});

const title = checked('a one-line title', lineProblem, () => 'the title').superRefine((value, ctx) => {
  const length = [...value].length;
  if (length <= MAX_TITLE_LENGTH) return;
  ctx.addIssue({ code: 'custom', message: `the title is ${length} characters long; at most ${MAX_TITLE_LENGTH}` });
});

const positive = (what: string) => {
  const e = expected(what);
  return z.number(e).positive(e).finite(e);
};
const capShape = {
  usd: positive('a positive number of US dollars').optional(),
  tokens: intIn(1, Number.MAX_SAFE_INTEGER, 'a positive whole number of tokens').optional(),
};
/** A task's cap (docs/config.md, "Budgets"); the run's adds what happens at its cap. */
const taskBudget = z.strictObject(capShape, mapError('a map such as { usd: 2, tokens: 500000 }'));
const runBudgetShape = { ...capShape, on_exceed: z.enum(['finish', 'pause'], expected('"finish" or "pause"')).optional() };
const runBudget = z.strictObject(runBudgetShape, mapError('a map such as { usd: 20, on_exceed: finish }'));

/** Keys valid under `defaults`, in a project and in a task. */
const settingsShape = {
  agent: checked('an agent name', lineProblem, (name) => `agent ${quote(name)}`),
  base: checked('a branch name', branchProblem, (name) => `branch ${quote(name)}`),
  setup: commands,
  check: commands,
  copy: relativePaths,
  link: relativePaths,
  merge: z.enum(['merge', 'squash'], expected('"merge" or "squash"')),
  timeout: duration,
  retries: intIn(0, MAX_RETRIES),
  on_gate_failure: z.enum(['review', 'agent'], expected('"review" or "agent"')),
  approve: z.boolean(expected('true or false')),
  model: checked('a model name', lineProblem, () => 'the model'),
  budget: taskBudget,
  resume_session: z.boolean(expected('true or false')),
};

const taskShape = {
  id: taskId,
  title: title.optional(),
  prompt: prompt.optional(),
  run: text('a shell command', 'the command').optional(),
  depends_on: z.array(line('a task id'), expected('a list of task ids')).optional(),
  allow_empty: z.boolean(expected('true or false')).optional(),
  on_conflict: z.enum(['review', 'agent'], expected('"review" or "agent"')).optional(),
  candidates: intIn(1, MAX_CANDIDATES).optional(),
  agents: z
    .array(checked('an agent name', lineProblem, (name) => `agent ${quote(name)}`), expected(`a list of 1 to ${MAX_CANDIDATES} agent names`))
    .min(1, expected(`a list of 1 to ${MAX_CANDIDATES} agent names`))
    .max(MAX_CANDIDATES, expected(`a list of 1 to ${MAX_CANDIDATES} agent names`))
    .optional(),
  pick: z.enum(['first-pass', 'smallest-diff', 'judge'], expected('"first-pass", "smallest-diff" or "judge"')).optional(),
  judge: text('a shell command', 'the command').optional(),
  ...optional(settingsShape),
};

const task = z.strictObject(taskShape, mapError('a task (a map with id and prompt or run)'));
const tasks = z.array(task, expected('a list of tasks'));

const defaultsShape = { ...optional(settingsShape), worktrees: directory.optional() };

const queueShape = {
  batch: intIn(1, MAX_BATCH).optional(),
  gates: intIn(1, MAX_CONCURRENCY, GATES_RANGE).optional(),
};
const queue = z.strictObject(queueShape, mapError('a map such as { batch: 16, gates: 2 }')).optional();

const projectShape = {
  path: directory,
  tasks,
  queue,
  ...defaultsShape,
};

const agentShape = {
  command: z
    .array(text('a program or argument', 'the argument'), expected('a list of strings: the program and its arguments'))
    .min(1, expected('a non-empty list of strings: the program and its arguments')),
  env: z
    .record(
      checked('a variable name', envNameProblem, (name) => `name ${quote(name)}`),
      checked('a string', (value) => (value.includes('\u0000') ? 'contains a NUL character' : undefined), () => 'the value'),
      expected('a map of variable names to strings'),
    )
    .optional(),
  stdin: z.enum(['prompt', 'closed'], expected('"prompt" or "closed"')).optional(),
  model_flag: checked('an option such as --model', lineProblem, () => 'the option').optional(),
};

const portsShape = { base: intIn(1024, 65279).optional() };

const notifyShape = {
  terminal: z.enum(['bell', 'osc', 'off'], expected('"bell", "osc" or "off"')).optional(),
  command: text('a shell command', 'the command').optional(),
};

const topShape = {
  version: z.literal(1, expected('1')),
  concurrency: intIn(1, MAX_CONCURRENCY).optional(),
  budget: runBudget.optional(),
  ports: z.strictObject(portsShape, mapError('a map such as { base: 41000 }')).optional(),
  queue,
  notify: z.strictObject(notifyShape, mapError('a map such as { terminal: osc, command: "notify-send fleet" }')).optional(),
  defaults: z.strictObject(defaultsShape, mapError('a map of settings')).optional(),
  agents: z
    .record(
      nameKey('agent name'),
      z.strictObject(agentShape, mapError('an agent (a map with command)')),
      expected('a map of agent names to agents'),
    )
    .optional(),
  projects: z
    .record(
      nameKey('project name'),
      z.strictObject(projectShape, mapError('a project (a map with path and tasks)')),
      expected('a map of project names to projects'),
    )
    .optional(),
  tasks: tasks.optional(),
};

export const fleetSchema = z.strictObject(topShape, mapError('a map with version: 1 and tasks'));

export type RawFleet = z.output<typeof fleetSchema>;
export type RawTask = z.output<typeof task>;
export type RawProject = NonNullable<RawFleet['projects']>[string];
export type RawSettings = NonNullable<RawFleet['defaults']>;
export type RawAgent = NonNullable<RawFleet['agents']>[string];
export type RawQueue = NonNullable<RawFleet['queue']>;

export const SETTING_KEYS = Object.keys(settingsShape);

/** The keys a map at `path` may hold, for "unknown key … (did you mean …)". */
export function keysAt(path: readonly (string | number)[]): string[] {
  const [first, second, third, fourth] = path;
  if (path.length === 0) return Object.keys(topShape);
  if (path.length === 1 && first === 'ports') return Object.keys(portsShape);
  if (path.length === 1 && first === 'budget') return Object.keys(runBudgetShape);
  // A task's cap sits in a map of settings (defaults, a project, a task), never in an agent or a
  // project that is merely named "budget".
  if (path.length > 1 && path.at(-1) === 'budget' && keysAt(path.slice(0, -1)).includes('budget')) return Object.keys(capShape);
  if (path.length === 1 && first === 'queue') return Object.keys(queueShape);
  if (path.length === 1 && first === 'notify') return Object.keys(notifyShape);
  if (path.length === 3 && first === 'projects' && third === 'queue') return Object.keys(queueShape);
  if (path.length === 1 && first === 'defaults') return Object.keys(defaultsShape);
  if (path.length === 2 && first === 'agents') return Object.keys(agentShape);
  if (path.length === 2 && first === 'projects') return Object.keys(projectShape);
  if (path.length === 2 && first === 'tasks') return Object.keys(taskShape);
  if (path.length === 4 && first === 'projects' && third === 'tasks' && typeof fourth === 'number' && second !== undefined) {
    return Object.keys(taskShape);
  }
  return [];
}

function optional<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  const out: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) out[key] = schema.optional();
  return out as { [K in keyof T]: z.ZodOptional<T[K]> };
}

// Unknown keys are reported one per key by schema-issues.ts; the map's own type error says what belongs here.
function mapError(what: string) {
  return {
    error: (issue: RawIssue & { code?: string }) => {
      if (issue.code === 'unrecognized_keys') return undefined;
      return issue.input === undefined ? `required key is missing (expected ${what})` : `expected ${what}, got ${describe(issue.input)}`;
    },
  };
}
