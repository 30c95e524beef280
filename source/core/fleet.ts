// The typed, validated form of a fleet file. Produced by config/, consumed by the engine.
// Plain data only: everything here must survive JSON round-trips.

export type MergeMode = 'merge' | 'squash';
export type ConflictPolicy = 'review' | 'agent';
/** What a failing gate check does to the task: review, or back to its agent with the output. */
export type GateFailurePolicy = 'review' | 'agent';
/** How the winner among a task's candidates is chosen (docs/config.md#candidates). */
export type PickRule = 'first-pass' | 'smallest-diff' | 'judge';

/** Best-of-N: the task runs as several candidates at once and one of them is merged. */
export interface CandidatesSpec {
  /** 2 to 8. */
  count: number;
  /** The agent of each candidate (from `agents:`), else every candidate uses the task's agent. */
  agents?: string[];
  pick: PickRule;
  /** With `pick: judge`: run with `sh -c`, prints the winning number. */
  judge?: string;
}

/**
 * Where a value is written in the fleet file, so problems found after loading (a missing branch,
 * an agent not on PATH) point at the line to fix, as the file's own errors do.
 */
export interface SourcePosition {
  /** 1-based. */
  line: number;
  col: number;
  /** Key path such as `defaults.base`; empty for the file as a whole. */
  path: string;
}

/** Settings of a project's merge queue. */
export interface QueueSpec {
  /** Most candidates tested together in one batch. */
  batch: number;
  /** Gate checks running at once; at most the run's concurrency. */
  gates: number;
  /** The gates the file asked for (or the default) before clamping, so `-j` can clamp again. */
  wantedGates: number;
}

export interface AgentSpec {
  name: string;
  /** argv; the element "{prompt}" is replaced by the prompt as one argument, never shell-parsed. */
  command: string[];
  env: Record<string, string>;
  /** How the prompt reaches the agent besides argv: on stdin, or stdin closed. */
  stdin: 'prompt' | 'closed';
  /** The CLI's option that picks the model (`--model`, `-m`); without one, `model:` is refused. */
  modelFlag?: string;
  /** The command continuing a session ("{session}" is its id), where the CLI can; presets only. */
  resume?: string[];
}

export interface ProjectSpec {
  name: string;
  /** Absolute path of the repository's top level. */
  path: string;
  /** Absolute directory that holds this project's task worktrees. */
  worktreeDir: string;
  queue: QueueSpec;
  /** Where `path` is written; the top of the file for a file without projects. */
  at: { path: SourcePosition };
}

export interface TaskSpec {
  /** "<project>:<id>" with projects, else "<id>". Unique across the file. */
  key: string;
  id: string;
  project: string;
  title: string;
  /** Exactly one of prompt and run is set. */
  prompt?: string;
  run?: string;
  dependsOn: string[];
  agent: string;
  allowEmpty: boolean;
  onConflict: ConflictPolicy;
  onGateFailure: GateFailurePolicy;
  base: string;
  setup: string[];
  check: string[];
  copy: string[];
  link: string[];
  merge: MergeMode;
  timeoutMs: number;
  retries: number;
  /** A passing task waits in awaiting_approval for `fleet approve` instead of joining the merge queue. */
  approve: boolean;
  /** Set when the task runs as two or more candidates. */
  candidates?: CandidatesSpec;
  /** Set only on the spec of one candidate (engine/fan-out/candidates.ts): its number, 1..N. */
  asCandidate?: number;
  /** Passed with the agent's model flag and as FLEET_MODEL. */
  model?: string;
  /** The most this task may spend, over all its attempts (docs/config.md, "Budgets"). */
  budget?: BudgetCap;
  /** A revision continues the agent's own session where its CLI can (`resume_session`). */
  resumeSession: boolean;
  /**
   * Where the task's `base` and `agent` are written (task, project or defaults); for a built-in
   * default, the task itself (for the agent: its `prompt`).
   */
  at: { base: SourcePosition; agent: SourcePosition };
}

/** A spending cap: either or both; tokens count input (cached included) plus output. */
export interface BudgetCap {
  usd?: number;
  tokens?: number;
}

/** The run's cap, and whether running agents finish or are paused when it is reached. */
export interface RunBudget extends BudgetCap {
  onExceed: 'finish' | 'pause';
}

export interface FleetSpec {
  /** Absolute realpath of the fleet file. */
  file: string;
  /** Directory holding the fleet file. */
  dir: string;
  version: 1;
  concurrency: number;
  budget?: RunBudget;
  portBase: number;
  agents: Record<string, AgentSpec>;
  projects: ProjectSpec[];
  /** True when the file had a `projects:` section (keys carry the project prefix). */
  multiProject: boolean;
  tasks: TaskSpec[];
  notify: NotifySpec;
}

/** How fleet calls the user when a task needs them and when the run ends (docs/config.md). */
export interface NotifySpec {
  /** Written in band by the process that owns the terminal: BEL, BEL plus OSC 9, or nothing. */
  terminal: 'bell' | 'osc' | 'off';
  /** Run with `sh -c` by the engine, with FLEET_EVENT, FLEET_TASK_ID, FLEET_STATE, FLEET_MESSAGE, FLEET_RUN_ID. */
  command?: string;
}

export const TASK_ID_PATTERN = /^(?!.*\.\.)(?!.*\.lock$)[a-z0-9][a-z0-9._-]{0,62}(?<!\.)$/;

export function taskKey(project: string, id: string, multiProject: boolean): string {
  return multiProject ? `${project}:${id}` : id;
}
