/** One problem in a fleet file, positioned at the node that causes it (1-based line and column). */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Key path such as `tasks[2].depends_on[0]`; empty for problems with the file as a whole. */
  path: string;
  message: string;
  hint?: string;
}

/** A failure the user can act on: one sentence, a hint, and the exit code docs/design.md gives it. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: 2 | 3,
    /** Positioned problems in the fleet file, printed before the message. */
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}

export function problemsInFile(count: number): string {
  return `${count} ${count === 1 ? 'problem' : 'problems'} in the fleet file`;
}

/** Problems in the fleet file: each printed at its position, then one summary line, exit 2. */
export function configProblems(issues: readonly ConfigIssue[]): UserError {
  return new UserError(problemsInFile(issues.length), undefined, 2, issues);
}
