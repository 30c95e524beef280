import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FleetSpec } from '../../core/fleet.js';
import { ConfigError, loadFleetFile } from '../../config/load.js';
import { problemsInFile, UserError, writeIssues } from './user-error.js';

/** Resolves -f (default ./fleet.yaml) to a realpath and loads it; config problems exit 2. */
export function loadSpec(file: string | undefined, stderr: NodeJS.WritableStream = process.stderr): FleetSpec {
  const path = resolve(file ?? 'fleet.yaml');
  if (!existsSync(path)) {
    throw new UserError(
      file ? `${file} does not exist` : 'there is no fleet.yaml in this directory',
      file ? 'check the path given to -f' : 'write one (see fleet.example.yaml), pass -f FILE, or try `fleet demo`',
      2,
    );
  }
  try {
    return loadFleetFile(realpathSync(path));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Printed here, on the command's stream, so the thrown error carries only the summary.
    writeIssues(error.issues, stderr);
    throw new UserError(problemsInFile(error.issues.length), undefined, 2);
  }
}
