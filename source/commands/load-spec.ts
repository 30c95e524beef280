import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FleetSpec } from '../core/fleet.js';
import { ConfigError, formatIssue, loadFleetFile } from '../config/load.js';
import { UserError } from './user-error.js';

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
    for (const issue of error.issues.slice(0, 20)) {
      stderr.write(`${formatIssue(issue)}\n`);
      if (issue.hint) stderr.write(`  hint: ${issue.hint}\n`);
    }
    if (error.issues.length > 20) stderr.write(`… and ${error.issues.length - 20} more\n`);
    throw new UserError(`${error.issues.length} problem(s) in the fleet file`, undefined, 2);
  }
}
