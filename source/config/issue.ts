import { isAbsolute, relative } from 'node:path';
import type { ConfigIssue } from '../core/user-error.js';
import { quote } from './describe.js';

export type { ConfigIssue };

/** The only error the config layer throws for a user's mistake; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    if (issues.length === 0) throw new TypeError('ConfigError needs at least one issue');
    super(formatIssue(issues[0]!));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** One line, `fleet.yaml:12:7: tasks[2].depends_on[0]: unknown task "shema" …`; the caller prints the hint. */
export function formatIssue(issue: ConfigIssue): string {
  const where = `${displayFile(issue.file)}:${issue.line}:${issue.col}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

// Relative paths are what a user can click and read; a file outside the working tree stays absolute.
function displayFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]{1,64}$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quote(seg)}]`;
  }
  return out;
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const id = `${i.line}:${i.col}:${i.path}:${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** An issue before it has a position: `at` says whether to point at the key or at its value. */
export interface DraftIssue {
  path: PathSegment[];
  at: 'key' | 'value';
  message: string;
  hint?: string;
}
