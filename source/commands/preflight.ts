import type { FleetSpec } from '../core/fleet.js';
import { BRANCH_REF_PREFIX, branchName, branchRef } from '../core/names.js';
import { INSTALL_HINTS } from '../core/presets.js';
import { which } from '../agents/which.js';
import { listRefs } from '../git/refs.js';
import { branchExists, gitVersion, isTopLevel, repoInfo } from '../git/repo.js';
import { UserError } from './user-error.js';

export interface Problem {
  message: string;
  hint?: string;
  /** 2: the file asks for something impossible; 3: this machine or repo cannot run it now. */
  exitCode: 2 | 3;
}

export interface PreflightResult {
  problems: Problem[];
  warnings: string[];
  /** Common git dir of each project, by project name. */
  commonDirs: Map<string, string>;
}

/** Checks that need git and the machine, after the file itself validated (SPEC §3). */
export async function preflight(spec: FleetSpec, options: { ownBranches?: (project: string) => Set<string> } = {}): Promise<PreflightResult> {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const commonDirs = new Map<string, string>();

  const version = await gitVersion();
  if (version.major < 2 || (version.major === 2 && version.minor < 38)) {
    problems.push({
      message: `git ${version.major}.${version.minor}.${version.patch} is too old; fleet needs git 2.38 or newer (merge-tree --write-tree)`,
      hint: 'install a newer git',
      exitCode: 3,
    });
    return { problems, warnings, commonDirs };
  }

  for (const project of spec.projects) {
    const where = spec.multiProject ? `project ${project.name} (${project.path})` : project.path;
    if (!(await isTopLevel(project.path))) {
      problems.push({
        message: `${where} is not the top level of a git repository`,
        hint: spec.multiProject ? 'point `path` at the directory that holds the repository' : 'put fleet.yaml at the top of the repository, or use `projects:`',
        exitCode: 2,
      });
      continue;
    }
    const { commonDir } = await repoInfo(project.path);
    const twin = [...commonDirs].find(([, dir]) => dir === commonDir);
    if (twin) {
      problems.push({ message: `projects ${twin[0]} and ${project.name} are the same repository`, hint: 'list each repository once', exitCode: 2 });
    }
    commonDirs.set(project.name, commonDir);
  }
  if (problems.length > 0) return { problems, warnings, commonDirs };

  const checked = new Set<string>();
  // One for-each-ref per project, not one git call per task: 1000-task files plan in well under a second.
  const existing = new Map<string, Map<string, string>>();
  for (const project of spec.projects) existing.set(project.name, await listRefs(project.path, [BRANCH_REF_PREFIX]));
  for (const task of spec.tasks) {
    const project = spec.projects.find((p) => p.name === task.project)!;
    const id = `${project.name}\0${task.base}`;
    if (!checked.has(id)) {
      checked.add(id);
      if (!(await branchExists(project.path, task.base))) {
        problems.push({
          message: `base branch ${task.base} does not exist in ${project.path}`,
          hint: `create it (git branch ${task.base}) or set \`base:\` to an existing branch`,
          exitCode: 2,
        });
      }
    }
    const own = options.ownBranches?.(project.name);
    if (!own?.has(task.id) && existing.get(project.name)!.has(branchRef(task.id))) {
      problems.push({
        message: `branch ${branchName(task.id)} already exists in ${project.path} and belongs to no unfinished run of this file`,
        hint: `rename or delete it (git branch -m ${branchName(task.id)} old/${task.id}), or run \`fleet clean\``,
        exitCode: 2,
      });
    }
  }

  const agents = new Set(spec.tasks.filter((t) => t.run === undefined).map((t) => t.agent));
  for (const name of agents) {
    const agent = spec.agents[name];
    const program = agent?.command[0];
    if (!program || which(program)) continue;
    const hint = INSTALL_HINTS[name];
    problems.push({
      message: `agent ${name} needs \`${program}\`, which is not on PATH`,
      hint: hint ? `install it: ${hint}` : `install ${program} or change the agent's command`,
      exitCode: 2,
    });
  }
  if (process.getuid?.() === 0 && agents.has('claude') && spec.agents.claude?.command.includes('--dangerously-skip-permissions') && process.env.IS_SANDBOX !== '1' && spec.agents.claude.env.IS_SANDBOX !== '1') {
    warnings.push('claude refuses --dangerously-skip-permissions as root unless IS_SANDBOX=1 is set in its environment; run fleet as a normal user, or set it only inside a sandbox');
  }
  return { problems, warnings, commonDirs };
}

/** Turns the first problem into the error the command exits with. */
export function firstProblem(result: PreflightResult): UserError | undefined {
  const p = result.problems[0];
  return p ? new UserError(p.message, p.hint, p.exitCode) : undefined;
}
