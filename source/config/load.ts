// Entry point of the config layer: fleet.yaml text → FleetSpec, or a ConfigError carrying every
// positioned issue found. Stages stop at the first one that fails, because later stages would
// only report consequences: YAML → schema → meaning (projects on disk, agents, dependencies).
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FleetSpec } from '../core/fleet.js';
import { readYaml } from './document.js';
import { ConfigError, formatPath, sortIssues, type ConfigIssue } from './issue.js';
import { resolveFleet } from './resolve.js';
import { checkSchema } from './schema-issues.js';

export { ConfigError, formatIssue, type ConfigIssue } from './issue.js';

/** Far above any real fleet file (1000 tasks with long prompts), far below a memory problem. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function loadFleetFile(file: string): FleetSpec {
  const absolute = resolve(file);
  return parseFleetText(readFleetFile(absolute), absolute);
}

export function parseFleetText(text: string, fleetFile: string): FleetSpec {
  const file = resolve(fleetFile);
  const fail = (message: string, hint?: string): never => {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message, ...(hint ? { hint } : {}) }]);
  };
  if (text.length > MAX_FILE_BYTES) fail(`the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);

  const { data, locator, issues: yamlIssues } = readYaml(text, file);
  if (yamlIssues.length > 0) throw new ConfigError(sortIssues(yamlIssues));
  if (data === null || data === undefined) fail('the file is empty; a fleet file starts with version: 1', 'see fleet.example.yaml');

  const schema = checkSchema(data);
  if (!schema.ok) throw new ConfigError(sortIssues(schema.issues.map((d) => locator.issue(d))));

  const realFile = realOrSame(file);
  const resolved = resolveFleet({
    raw: schema.fleet,
    file: realFile,
    lineOf: (path) => locator.line(path),
    positionOf: (path, at) => ({ ...locator.position(path, at), path: formatPath(path) }),
  });
  if (!resolved.spec) throw new ConfigError(sortIssues(resolved.issues.map((d) => locator.issue(d))));
  return resolved.spec;
}

function readFleetFile(file: string): string {
  const fail = (message: string, hint?: string): never => {
    const issue: ConfigIssue = { file, line: 1, col: 1, path: '', message };
    if (hint) issue.hint = hint;
    throw new ConfigError([issue]);
  };
  let fd: number | undefined;
  try {
    // Non-blocking, so opening a FIFO returns at once and is refused below instead of hanging.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (stat.isDirectory()) fail('is a directory, not a fleet file', 'pass the path of a fleet.yaml file');
    // A FIFO or device would block or never end; only regular files are read.
    if (!stat.isFile()) fail('is not a regular file');
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '');
    if (stat.size > MAX_FILE_BYTES) fail(`the file is ${mib(stat.size)} MiB; at most ${mib(MAX_FILE_BYTES)} MiB`);
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return decodeUtf8(buffer.subarray(0, read), file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file', 'create one (see fleet.example.yaml), or pass -f FILE');
    if (code === 'EACCES' || code === 'EPERM') return fail('permission denied reading the file');
    if (code === 'EISDIR') return fail('is a directory, not a fleet file', 'pass the path of a fleet.yaml file');
    return fail(`cannot read the file (${code ?? String(error)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const at = text.indexOf('\uFFFD');
    const before = text.slice(0, Math.max(0, at));
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    throw new ConfigError([{ file, line, col, path: '', message: 'the file is not valid UTF-8', hint: 'save it as UTF-8' }]);
  }
}

function realOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}
