import type { FleetSpec, SourcePosition } from '../core/fleet.js';
import { BRANCH_REF_PREFIX, branchName, branchRef } from '../core/names.js';
import { sortIssues, type ConfigIssue } from '../config/issue.js';
import { INSTALL_HINTS } from '../core/presets.js';
import { which } from '../agents/which.js';
import { listRefs } from '../git/refs.js';
import { branchExists, gitVersion, isTopLevel, repoInfo } from '../git/repo.js';
import { configProblems, UserError } from '../core/user-error.js';

export interface Problem {
  message: string;
  hint?: string;
  /** 2: the file asks for something impossible; 3: this machine or repo cannot run it now. */
  exitCode: 2 | 3;
  /** For something the fleet file names (a branch, a path, an agent): the line that names it. */
  issue?: ConfigIssue;
}

export interface PreflightResult {
  problems: Problem[];
  warnings: string[];
  /** Common git dir of each project, by project name. */
  commonDirs: Map<string, string>;
}

/** Checks that need git and the machine, after the file itself validated (docs/config.md). */
export async function preflight(spec: FleetSpec, options: { ownBranches?: (project: string) => Set<string> } = {}): Promise<PreflightResult> {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const commonDirs = new Map<string, string>();
  // Reported as the file's own errors are: file:line:col of the value, then the hint.
  const inFile = (at: SourcePosition, message: string, hint: string): Problem => ({
    message,
    hint,
    exitCode: 2,
    issue: { file: spec.file, ...at, message, hint },
  });

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
      const hint = spec.multiProject ? 'point `path` at the directory that holds the repository' : 'put fleet.yaml at the top of the repository, or use `projects:`';
      problems.push(inFile(project.at.path, `${where} is not the top level of a git repository`, hint));
      continue;
    }
    const { commonDir } = await repoInfo(project.path);
    const twin = [...commonDirs].find(([, dir]) => dir === commonDir);
    if (twin) problems.push(inFile(project.at.path, `projects ${twin[0]} and ${project.name} are the same repository`, 'list each repository once'));
    commonDirs.set(project.name, commonDir);
  }
  if (problems.length > 0) return { problems, warnings, commonDirs };

  // One problem per missing branch, at the line that chose it for the first task using it.
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
        const hint = `create it (git branch ${task.base}) or set \`base:\` to an existing branch`;
        problems.push(inFile(task.at.base, `base branch ${task.base} does not exist in ${project.path}`, hint));
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

  // One problem per missing agent, at the line that chose it for the first task using it.
  const agents = new Map<string, SourcePosition>();
  for (const task of spec.tasks) {
    for (const agent of task.candidates?.agents ?? [task.agent]) if (task.run === undefined && !agents.has(agent)) agents.set(agent, task.at.agent);
  }
  for (const [name, at] of agents) {
    const program = spec.agents[name]?.command[0];
    if (!program || which(program)) continue;
    const install = INSTALL_HINTS[name];
    const hint = install ? `install it: ${install}` : `install ${program} or change the agent's command`;
    problems.push(inFile(at, `agent ${name} needs \`${program}\`, which is not on PATH`, hint));
  }
  if (process.getuid?.() === 0 && agents.has('claude') && spec.agents.claude?.command.includes('--dangerously-skip-permissions') && process.env.IS_SANDBOX !== '1' && spec.agents.claude.env.IS_SANDBOX !== '1') {
    warnings.push('claude refuses --dangerously-skip-permissions as root unless IS_SANDBOX=1 is set in its environment; run fleet as a normal user, or set it only inside a sandbox');
  }
  return { problems, warnings, commonDirs };
}

/**
 * The error the command exits with: the first problem, or when that one is in the file, every
 * problem in the file, printed as config errors are.
 */
export function firstProblem(result: PreflightResult): UserError | undefined {
  const p = result.problems[0];
  if (!p?.issue) return p ? new UserError(p.message, p.hint, p.exitCode) : undefined;
  return configProblems(issuesInFile(result));
}

/** The problems that are about a line of the fleet file, in file order. */
export function issuesInFile(result: PreflightResult): ConfigIssue[] {
  return sortIssues(result.problems.flatMap((p) => (p.issue ? [p.issue] : [])));
}
