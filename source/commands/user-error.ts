/** A failure the user can act on: one sentence, a hint, and the exit code SPEC §4 gives it. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
  }
}

export function printUserError(error: UserError, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`fleet: ${error.message}\n`);
  if (error.hint) stderr.write(`hint: ${error.hint}\n`);
}
