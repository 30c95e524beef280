// The typed, validated form of a fleet file. Produced by config/, consumed by the engine.
// Plain data only: everything here must survive JSON round-trips.

export type MergeMode = 'merge' | 'squash';
export type ConflictPolicy = 'review' | 'agent';

export interface AgentSpec {
  name: string;
  /** argv; the element "{prompt}" is replaced by the prompt as one argument, never shell-parsed. */
  command: string[];
  env: Record<string, string>;
  /** How the prompt reaches the agent besides argv: on stdin, or stdin closed. */
  stdin: 'prompt' | 'closed';
}

export interface ProjectSpec {
  name: string;
  /** Absolute path of the repository's top level. */
  path: string;
  /** Absolute directory that holds this project's task worktrees. */
  worktreeDir: string;
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
  base: string;
  setup: string[];
  check: string[];
  copy: string[];
  link: string[];
  merge: MergeMode;
  timeoutMs: number;
  retries: number;
}

export interface FleetSpec {
  /** Absolute realpath of the fleet file. */
  file: string;
  /** Directory holding the fleet file. */
  dir: string;
  version: 1;
  concurrency: number;
  portBase: number;
  agents: Record<string, AgentSpec>;
  projects: ProjectSpec[];
  /** True when the file had a `projects:` section (keys carry the project prefix). */
  multiProject: boolean;
  tasks: TaskSpec[];
}

export const TASK_ID_PATTERN = /^(?!.*\.\.)(?!.*\.lock$)[a-z0-9][a-z0-9._-]{0,62}(?<!\.)$/;

export function taskKey(project: string, id: string, multiProject: boolean): string {
  return multiProject ? `${project}:${id}` : id;
}
