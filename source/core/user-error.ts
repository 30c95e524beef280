/** A failure the user can act on: one sentence, a hint, and the exit code docs/design.md gives it. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
  }
}
