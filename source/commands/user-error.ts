import { formatIssue } from '../config/load.js';
import { UserError, type ConfigIssue } from '../core/user-error.js';

// Every layer may refuse with a UserError (it is pure data); only commands print it.
export { UserError };

export function problemsInFile(count: number): string {
  return `${count} problem(s) in the fleet file`;
}

/** Problems in the fleet file: each printed at its position, then one summary line, exit 2. */
export function configProblems(issues: readonly ConfigIssue[]): UserError {
  return new UserError(problemsInFile(issues.length), undefined, 2, issues);
}

/** `file:line:col: path: message` per issue, its hint indented below; at most 20. */
export function writeIssues(issues: readonly ConfigIssue[], stderr: NodeJS.WritableStream): void {
  for (const issue of issues.slice(0, 20)) {
    stderr.write(`${formatIssue(issue)}\n`);
    if (issue.hint) stderr.write(`  hint: ${issue.hint}\n`);
  }
  if (issues.length > 20) stderr.write(`… and ${issues.length - 20} more\n`);
}

export function printUserError(error: UserError, stderr: NodeJS.WritableStream = process.stderr): void {
  writeIssues(error.issues, stderr);
  stderr.write(`fleet: ${error.message}\n`);
  if (error.hint) stderr.write(`hint: ${error.hint}\n`);
}
