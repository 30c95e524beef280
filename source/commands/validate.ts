import { criticalPath, waves } from '../core/dag.js';
import { loadSpec } from './load-spec.js';
import { issuesInFile, preflight } from './preflight.js';
import { configProblems, printUserError, UserError } from './user-error.js';

export interface ValidateOptions {
  file?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** `fleet validate`: check the file and the repos, then print the plan. */
export async function validateCommand(options: ValidateOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const spec = loadSpec(options.file, err);
  const checks = await preflight(spec);
  for (const p of checks.problems.filter((q) => !q.issue)) printUserError(new UserError(p.message, p.hint, p.exitCode), err);
  const inFile = issuesInFile(checks);
  if (inFile.length > 0) printUserError(configProblems(inFile), err);
  for (const w of checks.warnings) err.write(`warning: ${w}\n`);
  if (checks.problems.length > 0) return Math.max(...checks.problems.map((p) => p.exitCode));

  const nodes = spec.tasks.map((t) => ({ key: t.key, dependsOn: t.dependsOn }));
  const projects = spec.multiProject ? ` in ${spec.projects.length} projects` : '';
  out.write(`${spec.file}: ${spec.tasks.length} task(s)${projects}, concurrency ${spec.concurrency}\n`);
  waves(nodes).forEach((wave, i) => {
    const parallel = wave.length > 1 ? ` (${Math.min(wave.length, spec.concurrency)} at once)` : '';
    out.write(`wave ${i + 1}${parallel}: ${wave.join(', ')}\n`);
  });
  const path = criticalPath(nodes);
  out.write(`critical path (${path.length} task${path.length === 1 ? '' : 's'}): ${path.join(' → ')}\n`);
  return 0;
}
