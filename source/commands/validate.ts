import { capText, worstCaseFanOut, worstCaseSpend } from '../core/budget.js';
import { criticalPath, waves } from '../core/dag.js';
import type { FleetSpec } from '../core/fleet.js';
import { loadSpec } from './support/load-spec.js';
import { issuesInFile, preflight } from '../engine/preflight.js';
import { configProblems, printUserError, UserError } from './support/user-error.js';

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
  printFanOut(spec, out, err);
  return 0;
}

/** Above these, validate warns before launch: the runs users regret were all fan-outs nobody counted. */
const FAN_OUT_WARNING = 50;
const SPEND_WARNING = { usd: 50, tokens: 20_000_000 };

function printFanOut(spec: FleetSpec, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  const fanOut = worstCaseFanOut(spec);
  out.write(`worst case: ${fanOut} agent run${fanOut === 1 ? '' : 's'} (tasks × candidates × (1 + retries))\n`);
  const spend = worstCaseSpend(spec);
  if (spend.usd !== undefined || spend.tokens !== undefined) out.write(`worst-case spend (per-task caps): ${capText(spend)}\n`);
  if (spec.budget) out.write(`run budget: ${capText(spec.budget)}, on_exceed: ${spec.budget.onExceed}\n`);
  const hint = 'set budget: (run and per task) or lower retries; docs/config.md, "Budgets"';
  if (fanOut > FAN_OUT_WARNING) err.write(`warning: up to ${fanOut} agent runs; ${hint}\n`);
  if ((spend.usd ?? 0) > SPEND_WARNING.usd || (spend.tokens ?? 0) > SPEND_WARNING.tokens) {
    err.write(`warning: the per-task caps allow ${capText(spend)} in all; ${hint}\n`);
  }
}
