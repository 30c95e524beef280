// Checks for names a user writes that end up in git refs, paths and process environments.
// Each returns the reason a name is rejected, in words, or undefined when it is fine: a bare
// "invalid id" teaches nothing, "contains "/"" does.
import { TASK_ID_PATTERN } from '../core/fleet.js';
import { quote } from './describe.js';

export const MAX_ID_LENGTH = 63;

// C0 controls, DEL and C1 controls: invisible in a terminal, and some rewrite the screen.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function controlChar(text: string): string | undefined {
  const match = CONTROL.exec(text);
  if (!match) return undefined;
  return `contains the control character U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `id` cannot name a task, agent or project (it becomes the branch `fleet/<id>` and a path component). */
export function idProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  const length = [...id].length;
  if (length > MAX_ID_LENGTH) return `is ${length} characters long; at most ${MAX_ID_LENGTH} fit in a branch and directory name`;
  const control = controlChar(id);
  if (control) return control;
  if (id.includes('/')) return 'contains "/"; an id is a single branch and directory name';
  if (id.includes('..')) return 'contains ".."; git ref names cannot, and it would escape the worktree directory';
  if (id.startsWith('-')) return 'starts with "-"; git and other programs would read it as an option';
  if (id.endsWith('.lock')) return 'ends with ".lock"; git reserves that suffix for its lock files';
  if (id.endsWith('.')) return 'ends with "."; git ref names cannot';
  if (/[A-Z]/.test(id)) return 'contains upper case; ids are lower case so they stay distinct on case-insensitive file systems';
  const bad = /[^a-z0-9._-]/u.exec(id);
  if (bad) return `contains ${quote(bad[0])}; allowed are a-z, 0-9, ".", "_" and "-"`;
  if (!/^[a-z0-9]/.test(id)) return 'must start with a letter or digit';
  return TASK_ID_PATTERN.test(id) ? undefined : `does not match ${TASK_ID_PATTERN.source}`;
}

/** A light `git check-ref-format --branch`: git itself confirms the branch exists later. */
export function branchProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const control = controlChar(name);
  if (control) return control;
  if (name.startsWith('-')) return 'starts with "-"; git would read it as an option';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{') || name === '@') return 'contains "@{"';
  const bad = /[\s~^:?*[\\]/.exec(name);
  if (bad) return `contains ${quote(bad[0])}, which git does not allow in branch names`;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component ("/")';
  if (name.endsWith('.')) return 'ends with "."';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return 'has a component starting with "." or ending with ".lock"';
  }
  return undefined;
}

/** Paths in copy/link are taken from the main checkout and placed in the worktree: both ends stay inside. */
export function relativePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  const control = controlChar(path);
  if (control) return control;
  if (path.startsWith('/')) return 'is absolute; copy and link paths are relative to the repository';
  if (path.split('/').includes('..')) return 'contains ".."; copy and link paths stay inside the repository';
  return undefined;
}

export function pathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  return controlChar(path);
}

export function lineProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is empty';
  return controlChar(text);
}

export function envNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)';
  if (name.startsWith('FLEET_')) return 'starts with FLEET_, which fleet reserves for the variables it sets';
  return undefined;
}

/** Prompts, commands and env values: free text, but a NUL byte cannot reach a process. */
export function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is empty';
  if (text.includes('\u0000')) return 'contains a NUL character, which cannot be passed to a process';
  return undefined;
}
