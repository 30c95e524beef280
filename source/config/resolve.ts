// Turns schema-valid raw data into the FleetSpec the engine runs: projects located on disk,
// settings merged (task > project > defaults > built-in), agents looked up, dependencies checked.
import { statSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { AgentSpec, FleetSpec, ProjectSpec, SourcePosition, TaskSpec } from '../core/fleet.js';
import { taskKey } from '../core/fleet.js';
import { PRESETS } from '../core/presets.js';
import { list, quote } from './describe.js';
import { checkGraph, type GraphTask } from './graph.js';
import type { DraftIssue, PathSegment } from './issue.js';
import { resolveQueue, type QueueLayer } from './queue.js';
import type { RawFleet, RawSettings, RawTask } from './schema.js';
import { pick, worktreeDir, type Layer } from './settings.js';
import { didYouMean } from './suggest.js';

export const DEFAULT_PORT_BASE = 41000;

export interface ResolveInput {
  raw: RawFleet;
  /** Realpath of the fleet file. */
  file: string;
  /** 1-based line of the node at a path, for messages that point back at an earlier entry. */
  lineOf: (path: PathSegment[]) => number;
  /** Where the node at a path is written: its key or its value. */
  positionOf: (path: PathSegment[], at: 'key' | 'value') => SourcePosition;
}

/** The top of the file: where a problem with the single project of a file without projects points. */
const FILE_START: SourcePosition = { line: 1, col: 1, path: '' };

interface Context {
  raw: RawFleet;
  dir: string;
  concurrency: number;
  positionOf: ResolveInput['positionOf'];
  issues: DraftIssue[];
}

interface Source {
  project: ProjectSpec;
  layers: Layer[];
  tasks: RawTask[];
  tasksPath: PathSegment[];
}

export function resolveFleet({ raw, file, lineOf, positionOf }: ResolveInput): { spec?: FleetSpec; issues: DraftIssue[] } {
  const dir = resolve(file, '..');
  const issues: DraftIssue[] = [];
  const multiProject = raw.projects !== undefined;
  const agents = collectAgents(raw);
  const concurrency = raw.concurrency ?? Math.min(256, availableParallelism());
  const context: Context = { raw, dir, concurrency, positionOf, issues };
  const sources = multiProject ? projectSources(context) : [singleSource(context)];

  // An agent named under defaults or a project is checked even when every task overrides it:
  // a typo there is still a typo.
  const projectLayers = Object.entries(raw.projects ?? {}).map(([name, values]): Layer => ({ values, path: ['projects', name] }));
  const written = [...defaultsLayer(raw), ...projectLayers];
  for (const layer of written) {
    if (layer.values.agent !== undefined) checkAgent(layer.values.agent, [...layer.path, 'agent'], agents, issues);
  }

  const tasks: TaskSpec[] = [];
  const graph: GraphTask[] = [];
  for (const source of sources) {
    if (source.tasks.length === 0) {
      issues.push({ path: source.tasksPath, at: 'value', message: 'no tasks; add at least one' });
    }
    const firstById = new Map<string, PathSegment[]>();
    source.tasks.forEach((rawTask, index) => {
      const path = [...source.tasksPath, index];
      const first = firstById.get(rawTask.id);
      if (first) {
        const message = `duplicate id ${quote(rawTask.id)} (first used at line ${lineOf([...first, 'id'])})`;
        issues.push({ path: [...path, 'id'], at: 'value', message });
        return;
      }
      firstById.set(rawTask.id, path);
      const task = resolveTask(rawTask, path, source, multiProject, agents, context);
      tasks.push(task);
      graph.push({ key: task.key, id: task.id, project: task.project, base: task.base, path, dependsOn: rawTask.depends_on ?? [] });
    });
  }

  const checked = checkGraph(graph, multiProject);
  issues.push(...checked.issues);
  if (issues.length > 0) return { issues };
  for (const task of tasks) task.dependsOn = checked.deps.get(task.key) ?? [];
  const spec: FleetSpec = {
    file,
    dir,
    version: 1,
    concurrency,
    ...(raw.budget && { budget: { usd: raw.budget.usd, tokens: raw.budget.tokens, onExceed: raw.budget.on_exceed ?? 'finish' } }),
    portBase: raw.ports?.base ?? DEFAULT_PORT_BASE,
    agents,
    projects: sources.map((s) => s.project),
    multiProject,
    tasks,
    notify: { terminal: raw.notify?.terminal ?? 'osc', ...(raw.notify?.command !== undefined ? { command: raw.notify.command } : {}) },
  };
  return { spec, issues };
}

/** Every preset, then the file's own agents (which may shadow a preset of the same name). */
function collectAgents(raw: RawFleet): Record<string, AgentSpec> {
  const agents: Record<string, AgentSpec> = {};
  for (const [name, preset] of Object.entries(PRESETS)) {
    agents[name] = { ...preset, name, command: [...preset.command], env: { ...preset.env }, ...(preset.resume ? { resume: [...preset.resume] } : {}) };
  }
  for (const [name, custom] of Object.entries(raw.agents ?? {})) {
    const agent: AgentSpec = { name, command: [...custom.command], env: { ...custom.env }, stdin: custom.stdin ?? 'closed' };
    if (custom.model_flag !== undefined) agent.modelFlag = custom.model_flag;
    agents[name] = agent;
  }
  return agents;
}

function defaultsLayer(raw: RawFleet): Layer[] {
  return raw.defaults ? [{ values: raw.defaults, path: ['defaults'] }] : [];
}

function singleSource({ raw, dir, concurrency, issues }: Context): Source {
  const layers = defaultsLayer(raw);
  const name = basename(dir) || 'repo';
  const worktrees = worktreeDir(layers, dir);
  if (worktrees.value === dir) issues.push(worktreesInRepo(worktrees.from ?? [], name));
  const queue = resolveQueue([topQueue(raw)], concurrency, raw.concurrency, issues);
  const project: ProjectSpec = { name, path: dir, worktreeDir: worktrees.value, queue, at: { path: FILE_START } };
  return { project, layers, tasks: raw.tasks ?? [], tasksPath: ['tasks'] };
}

function topQueue(raw: RawFleet): QueueLayer {
  return { values: raw.queue, path: [] };
}

// Task worktrees would sit among the repository's own files, and `<worktrees>/<id>` could be a tracked path.
function worktreesInRepo(at: PathSegment[], project: string): DraftIssue {
  const hint = 'use a directory beside the repository (the default) or below it, e.g. .fleet/worktrees';
  return { path: at, at: 'value', message: `puts worktrees straight into the repository of project ${quote(project)}`, hint };
}

function projectSources({ raw, dir, concurrency, positionOf, issues }: Context): Source[] {
  if (raw.tasks !== undefined) {
    const hint = "move each task under its project's tasks:, or remove projects:";
    issues.push({ path: ['tasks'], at: 'key', message: 'top-level tasks are not allowed in a file with projects:', hint });
  }
  const entries = Object.entries(raw.projects ?? {});
  if (entries.length === 0) {
    const message = 'no projects; add one, or remove projects: and list tasks at the top level';
    issues.push({ path: ['projects'], at: 'value', message });
  }
  const byPath = new Map<string, string>();
  const byWorktreeDir = new Map<string, string>();
  const sources: Source[] = [];
  for (const [name, rawProject] of entries) {
    const at: PathSegment[] = ['projects', name];
    const layers: Layer[] = [{ values: rawProject, path: at }, ...defaultsLayer(raw)];
    const path = projectDirectory(rawProject.path, dir, [...at, 'path'], issues) ?? resolve(dir, rawProject.path);
    const sharing = byPath.get(path);
    if (sharing !== undefined) {
      issues.push({ path: [...at, 'path'], at: 'value', message: `is the same directory as project ${quote(sharing)}` });
    }
    byPath.set(path, name);
    const worktrees = worktreeDir(layers, path);
    const worktreesAt = worktrees.from ?? [...at, 'path'];
    const other = byWorktreeDir.get(worktrees.value);
    if (worktrees.value === path) {
      issues.push(worktreesInRepo(worktreesAt, name));
    } else if (other !== undefined && sharing === undefined) {
      const message = `projects ${quote(other)} and ${quote(name)} would share one worktree directory`;
      const hint = `both resolve to ${worktrees.value}; task ids may repeat across projects, so each project needs its own`;
      issues.push({ path: worktreesAt, at: 'value', message, hint });
    }
    byWorktreeDir.set(worktrees.value, name);
    const queue = resolveQueue([{ values: rawProject.queue, path: at }, topQueue(raw)], concurrency, raw.concurrency, issues);
    const project: ProjectSpec = { name, path, worktreeDir: worktrees.value, queue, at: { path: positionOf([...at, 'path'], 'value') } };
    sources.push({ project, layers, tasks: rawProject.tasks, tasksPath: [...at, 'tasks'] });
  }
  return sources;
}

/** Realpath of a project directory; git checks (top level, common dir) happen outside config/. */
function projectDirectory(written: string, dir: string, at: PathSegment[], issues: DraftIssue[]): string | undefined {
  const absolute = resolve(dir, written);
  const hint = `project paths are relative to the fleet file's directory: ${quote(written)} is ${absolute}`;
  try {
    if (!statSync(absolute).isDirectory()) {
      issues.push({ path: at, at: 'value', message: `${quote(written)} is not a directory`, hint });
      return undefined;
    }
    return realpathSync(absolute);
  } catch {
    issues.push({ path: at, at: 'value', message: `no directory at ${quote(written)}`, hint });
    return undefined;
  }
}

function resolveTask(
  raw: RawTask,
  path: PathSegment[],
  source: Source,
  multiProject: boolean,
  agents: Record<string, AgentSpec>,
  { positionOf, issues }: Context,
): TaskSpec {
  const layers: Layer[] = [{ values: raw as Partial<RawSettings>, path }, ...source.layers];
  if (raw.prompt === undefined && raw.run === undefined) {
    issues.push({ path, at: 'value', message: 'a task needs prompt (work for an agent) or run (a shell command)' });
  } else if (raw.prompt !== undefined && raw.run !== undefined) {
    issues.push({ path: [...path, 'run'], at: 'key', message: 'a task has prompt or run, not both' });
  }
  const agent = pick(layers, 'agent');
  checkAgent(agent.value, agent.from ?? path, agents, issues);
  const base = pick(layers, 'base');
  // A built-in default is written nowhere: the task that relies on it is what to fix.
  const builtInAgentAt = raw.prompt !== undefined ? positionOf([...path, 'prompt'], 'key') : positionOf(path, 'value');
  const task: TaskSpec = {
    key: taskKey(source.project.name, raw.id, multiProject),
    id: raw.id,
    project: source.project.name,
    title: raw.title ?? raw.id,
    dependsOn: [],
    agent: agent.value,
    allowEmpty: raw.allow_empty ?? false,
    onConflict: raw.on_conflict ?? 'review',
    onGateFailure: pick(layers, 'on_gate_failure').value,
    base: base.value,
    setup: pick(layers, 'setup').value,
    check: pick(layers, 'check').value,
    copy: pick(layers, 'copy').value,
    link: pick(layers, 'link').value,
    merge: pick(layers, 'merge').value,
    timeoutMs: pick(layers, 'timeout').value,
    retries: pick(layers, 'retries').value,
    approve: pick(layers, 'approve').value,
    resumeSession: pick(layers, 'resume_session').value,
    at: {
      base: base.from ? positionOf(base.from, 'value') : positionOf(path, 'value'),
      agent: agent.from ? positionOf(agent.from, 'value') : builtInAgentAt,
    },
  };
  if (raw.prompt !== undefined) task.prompt = raw.prompt;
  if (raw.run !== undefined) task.run = raw.run;
  const budget = pick(layers, 'budget').value;
  if (budget !== undefined) task.budget = budget;
  const model = pick(layers, 'model');
  if (model.value !== undefined) {
    task.model = model.value;
    // A `run:` task starts no agent: an inherited model is only its FLEET_MODEL.
    // Best-of-N with agents: each candidate's CLI must take the model.
    if (raw.run === undefined) for (const name of new Set(raw.agents ?? [agent.value])) checkModelFlag(agents[name], model.from!, issues);
  }
  resolveCandidates(raw, path, task, agents, issues);
  checkWorktreePath(raw.id, source.project, path, issues);
  return task;
}

/** `worktrees: ..` and a task named after the repository's directory would make the user's checkout the task's worktree. */
function checkWorktreePath(id: string, project: ProjectSpec, path: PathSegment[], issues: DraftIssue[]): void {
  const worktree = join(project.worktreeDir, id);
  const toRepo = relative(worktree, project.path);
  if (toRepo.startsWith('..') || isAbsolute(toRepo)) return;
  const hint = 'rename the task, or give worktrees a directory of their own';
  issues.push({ path: [...path, 'id'], at: 'value', message: `its worktree ${quote(worktree)} would be the repository of project ${quote(project.name)}, or hold it`, hint });
}

function checkModelFlag(agent: AgentSpec | undefined, at: PathSegment[], issues: DraftIssue[]): void {
  if (agent === undefined || agent.modelFlag !== undefined) return;
  const message = `agent ${quote(agent.name)} has no model option`;
  const hint = 'remove model:, or give the agent its CLI\'s option with model_flag: (e.g. --model)';
  issues.push({ path: at, at: 'key', message, hint });
}

/** `candidates:` / `agents:` / `pick:` / `judge:` (docs/config.md#candidates). */
function resolveCandidates(raw: RawTask, path: PathSegment[], task: TaskSpec, agents: Record<string, AgentSpec>, issues: DraftIssue[]): void {
  raw.agents?.forEach((name, i) => checkAgent(name, [...path, 'agents', i], agents, issues));
  if (raw.agents && raw.candidates !== undefined && raw.candidates !== raw.agents.length) {
    const message = `candidates: ${raw.candidates} does not match the ${raw.agents.length} agent(s) listed in agents:`;
    issues.push({ path: [...path, 'candidates'], at: 'value', message, hint: 'agents: runs one candidate per agent; remove candidates: or make them agree' });
  }
  if (raw.pick === 'judge' && raw.judge === undefined) {
    issues.push({ path: [...path, 'pick'], at: 'value', message: 'pick: judge needs a judge: command', hint: 'add judge: "<command that prints the winning number>", or use pick: first-pass' });
  }
  if (raw.judge !== undefined && raw.pick !== 'judge') {
    issues.push({ path: [...path, 'judge'], at: 'key', message: 'judge: is only used with pick: judge', hint: 'add pick: judge, or remove judge:' });
  }
  const count = raw.agents?.length ?? raw.candidates ?? 1;
  // The first candidate's agent is the task's: what preflight, the list and --json show.
  if (raw.agents) task.agent = raw.agents[0]!;
  if (count < 2) return;
  task.candidates = { count, pick: raw.pick ?? 'first-pass' };
  if (raw.agents) task.candidates.agents = [...raw.agents];
  if (raw.judge !== undefined) task.candidates.judge = raw.judge;
}

/** Issues about one written value repeat per inheriting task; sortIssues drops the repeats. */
function checkAgent(name: string, at: PathSegment[], agents: Record<string, AgentSpec>, issues: DraftIssue[]): void {
  if (Object.hasOwn(agents, name)) return;
  const names = Object.keys(agents);
  const message = `unknown agent ${quote(name)}${didYouMean(name, names)}`;
  issues.push({ path: at, at: 'value', message, hint: `known agents: ${list(names)}; define others under agents:` });
}
