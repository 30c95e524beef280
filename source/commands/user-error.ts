import { UserError } from '../core/user-error.js';

// Every layer may refuse with a UserError (it is pure data); only commands print it.
export { UserError };

export function printUserError(error: UserError, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`fleet: ${error.message}\n`);
  if (error.hint) stderr.write(`hint: ${error.hint}\n`);
}
