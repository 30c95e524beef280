import type { Key } from 'ink';

// Ink reports a key as (input, Key flags). The keymap speaks in one canonical name per key
// ('j', 'G', 'down', 'pgup', 'ctrl+u', 'enter', 'esc', …) so bindings are plain data.

export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The canonical name of a key press; undefined for keys fleet does not bind (Alt combinations). */
export function keyName(input: string, key: Key): string | undefined {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  // Ink 6 also sets `meta` for a lone Esc, so Esc must be recognised before Alt combinations.
  if (key.escape) return 'esc';
  // 0x7f (what most terminals send for Backspace) arrives as `delete`.
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl) return input === '' ? undefined : `ctrl+${input}`;
  if (key.meta) return undefined;
  return input === '' ? undefined : input;
}

/**
 * Ink delivers a burst of typed characters ("jj" from key repeat or a slow SSH link) as one
 * input; each character is a key of its own and must act in order.
 */
export function splitInput(input: string, key: Key): [string, Key][] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return chars.map((ch) => charKey(ch));
}

function charKey(ch: string): [string, Key] {
  if (ch === '\r') return ['', { ...NO_KEY, return: true }];
  if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
  if (ch === '\x7f') return ['', { ...NO_KEY, delete: true }];
  if (ch === '\b') return ['', { ...NO_KEY, backspace: true }];
  const code = ch.codePointAt(0)!;
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
  return [ch, { ...NO_KEY, shift: /[A-Z]/.test(ch) }];
}

const LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  pgup: 'PgUp',
  pgdn: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'enter',
  tab: 'tab',
  'shift+tab': 'S-tab',
  esc: 'esc',
  'ctrl+u': 'C-u',
  'ctrl+d': 'C-d',
  'ctrl+c': 'C-c',
};

/** How a key name is written in the help bar and overlay. */
export function keyLabel(name: string): string {
  return LABELS[name] ?? name;
}
