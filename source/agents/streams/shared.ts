// What every agent's stream parser shares: the shapes a parsed line takes, and the helpers that
// turn untrusted JSON values into short, clean text for the pane. Pure.

export interface AgentProgress {
  /** Short "current action", e.g. "Edit src/a.ts" or "Run npm test". */
  action?: string;
  /** Model round-trips so far. */
  turns?: number;
  /** Totals so far: every input token the model read (cached included) and every output token. */
  tokens?: { input: number; output: number };
  costUsd?: number;
}

export interface ParsedLine {
  /** Values to merge into the task's progress (totals, not increments). */
  progress?: Partial<AgentProgress>;
  /** What the pane shows for this line: may be empty (nothing) or hold several lines. */
  display: string;
  /** The CLI itself (never the model's text) says the provider refused for a rate limit or overload. */
  rateLimit?: RateLimitSignal;
  /** The agent session the line's event names; looked for only when the parser was asked to. */
  session?: string;
}

export interface RateLimitSignal {
  /** When the provider said the limit resets (ms since the epoch), if it said. */
  resetAt?: number;
  /** Or how long until it resets (ms), if it said that instead. */
  resetInMs?: number;
}

/** HTTP statuses that mean "slow down": rate limited (429) and overloaded (529, Anthropic's). */
export const RATE_LIMIT_STATUSES = new Set([429, 529]);

/** A reset time in seconds or milliseconds since the epoch (CLIs use both), as ms. */
export function epochMs(value: unknown): number | undefined {
  const n = amount(value);
  if (n === undefined || n === 0) return undefined;
  return n < 1e12 ? n * 1000 : n;
}

export type ProgressParser = (line: string) => ParsedLine;

export type Json = Record<string, unknown>;
export type Handler = (event: Json) => ParsedLine | undefined;
export type HandlerFactory = (cwd: string | undefined) => Handler;

/** Longer lines are not worth parsing (fleet's log tail already cuts lines at 4 KiB). */
export const MAX_PARSE = 1024 * 1024;
export const MAX_DISPLAY_LINE = 1000;
const MAX_ACTION = 120;

const TARGET_KEYS = ['file_path', 'filePath', 'notebook_path', 'path', 'command', 'cmd', 'pattern', 'url', 'query', 'description'];

/** "Edit src/a.ts", "Bash npm test": the tool and its first target, paths relative to cwd. */
export function toolAction(tool: string, input: Json | undefined, cwd: string | undefined): string {
  const key = TARGET_KEYS.find((k) => typeof input?.[k] === 'string' && input[k] !== '');
  const target = key ? relative(oneLine(input![key]), cwd) : '';
  return short(target ? `${clean(tool)} ${target}` : clean(tool));
}

export function relative(path: string, cwd: string | undefined): string {
  return cwd && path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

export function result(failed: boolean, detail: string): string {
  return `  ⎿ ${failed ? 'error: ' : ''}${detail}`;
}

export function summary(head: string, p: Partial<AgentProgress>): string {
  return join(
    head,
    p.turns !== undefined && `${p.turns} turn${p.turns === 1 ? '' : 's'}`,
    p.tokens && `${p.tokens.input} in / ${p.tokens.output} out tokens`,
    p.costUsd !== undefined && `$${p.costUsd.toFixed(4)}`,
  );
}

/** Model text for the pane: control characters removed, long lines cut. */
export function text(value: unknown): string {
  return clean(str(value) ?? '')
    .split('\n')
    .map((l) => (l.length > MAX_DISPLAY_LINE ? `${l.slice(0, MAX_DISPLAY_LINE)}…` : l))
    .join('\n')
    .trim();
}

export function oneLine(value: unknown): string {
  const s = clean(typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value) ?? '');
  const first = s.trim().split('\n')[0] ?? '';
  return first.length > MAX_DISPLAY_LINE ? `${first.slice(0, MAX_DISPLAY_LINE)}…` : first;
}

export function short(s: string): string {
  const line = oneLine(s);
  return line.length > MAX_ACTION ? `${line.slice(0, MAX_ACTION - 1)}…` : line;
}

/**
 * Decoded JSON strings may carry what the log sanitizer removed from the raw bytes (a JSON
 * "\u001b" is an ESC again): drop C0/C1 controls and bidi overrides, keep newlines and tabs.
 */
export function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

export function join(...parts: (string | false | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const obj = (value: unknown): Json | undefined => (isObject(value) ? value : undefined);
export const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A non-negative finite number, or undefined: hostile or odd values never reach the progress. */
export function amount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function count(value: unknown): number | undefined {
  const n = amount(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** The sum of the counts present, or undefined when there are none. */
export function sum(...values: unknown[]): number | undefined {
  const present = values.map(count).filter((n): n is number => n !== undefined);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) : undefined;
}

export function tokenPair(input: unknown, output: unknown): AgentProgress['tokens'] {
  const i = count(input);
  const o = count(output);
  return i === undefined && o === undefined ? undefined : { input: i ?? 0, output: o ?? 0 };
}

export function defined<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}
