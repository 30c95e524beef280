import { formatIssue } from '../../config/load.js';
import { configProblems, problemsInFile, UserError, type ConfigIssue } from '../../core/user-error.js';

// Every layer may refuse with a UserError (it is pure data); only commands print it.
export { configProblems, problemsInFile, UserError };

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
