// Runs the zod schema and turns its issues into positioned drafts: one issue per unknown key
// (pointing at that key, with a suggestion), hints where the fix is not obvious from the message.
import type { z } from 'zod';
import { escapeControls } from './describe.js';
import type { DraftIssue, PathSegment } from './issue.js';
import { fleetSchema, keysAt, type RawFleet } from './schema.js';
import { didYouMean } from './suggest.js';

export type SchemaResult = { ok: true; fleet: RawFleet } | { ok: false; issues: DraftIssue[] };

export function checkSchema(data: unknown): SchemaResult {
  const result = fleetSchema.safeParse(data);
  if (result.success) return { ok: true, fleet: result.data };
  let issues = result.error.issues.flatMap((issue) => toDrafts(issue, data));
  // A file for another format version would drown in unknown keys; the version is the one fix.
  const version = issues.filter((i) => i.path.length === 1 && i.path[0] === 'version');
  if (version.length > 0 && valueAt(data, ['version']) !== undefined) issues = version;
  return { ok: false, issues };
}

function toDrafts(issue: z.core.$ZodIssue, data: unknown): DraftIssue[] {
  const path = issue.path.filter((seg): seg is PathSegment => typeof seg !== 'symbol');
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKey(path, key));
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return [withHint({ path, at: 'key', message: inner?.message ?? issue.message }, inner)];
  }
  const draft: DraftIssue = { path, at: 'value', message: issue.message };
  const hint = hintFor(issue, path, valueAt(data, path));
  if (hint !== undefined) draft.hint = hint;
  return [withHint(draft, issue)];
}

function unknownKey(path: PathSegment[], key: string): DraftIssue {
  const known = keysAt(path);
  const draft: DraftIssue = { path: [...path, key], at: 'key', message: `unknown key ${JSON.stringify(key)}${didYouMean(key, known)}` };
  if (key === 'worktrees' && known.includes('id')) draft.hint = 'worktrees is a project setting: set it under defaults or in a project';
  else if (known.length > 0) draft.hint = `valid keys here: ${known.join(', ')}`;
  return draft;
}

function hintFor(issue: z.core.$ZodIssue, path: PathSegment[], value: unknown): string | undefined {
  const last = path[path.length - 1];
  if (path.length === 1 && last === 'version') {
    return value === undefined ? 'start the file with the line: version: 1' : 'this fleet reads version 1 files only';
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return 'YAML read this as a number or boolean; put it in quotes to make it a string';
  }
  if (last === 'command' && typeof value === 'string') {
    return 'a command is never shell-parsed: write a list such as [mybot, --yes, "{prompt}"]';
  }
  if (last === 'depends_on' && typeof value === 'string') return `write a list: depends_on: [${escapeControls(value)}]`;
  if ((last === 'copy' || last === 'link') && typeof value === 'string') return `write a list: ${last}: [${escapeControls(value)}]`;
  return undefined;
}

function withHint(draft: DraftIssue, issue: z.core.$ZodIssue | undefined): DraftIssue {
  const hint = issue?.code === 'custom' ? issue.params?.['hint'] : undefined;
  if (typeof hint === 'string' && draft.hint === undefined) draft.hint = hint;
  return draft;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let here = data;
  for (const seg of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = Object.hasOwn(here, seg) ? (here as Record<PathSegment, unknown>)[seg] : undefined;
  }
  return here;
}
