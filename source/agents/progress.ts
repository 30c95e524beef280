// Structured progress from agent CLIs that print one JSON event a line (the presets ask for it:
// claude stream-json, codex --json, gemini stream-json, opencode --format json). Each line becomes
// the text to show in the task's pane plus, where the event carries them, the current action,
// turns, tokens and cost. Anything else (plain text, stderr, partial or hostile JSON, an unknown
// agent) shows as the line itself. Pure: no I/O; a parser's state lives in its closure.
//
// Event shapes are those the real CLIs print; test/fixtures/agent-output/ holds captured runs.

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
}

export type ProgressParser = (line: string) => ParsedLine;

type Json = Record<string, unknown>;
type Handler = (event: Json) => ParsedLine | undefined;
type HandlerFactory = (cwd: string | undefined) => Handler;

/** Longer lines are not worth parsing (fleet's log tail already cuts lines at 4 KiB). */
const MAX_PARSE = 1024 * 1024;
const MAX_DISPLAY_LINE = 1000;
const MAX_ACTION = 120;
/** How much of an unparseable line is searched for a tool, target or text. */
const SALVAGE_SPAN = 64 * 1024;

/**
 * A parser for one attempt of one agent. `agent` is the agent's program (command[0]; its base
 * name is used, so a custom agent running `claude` still parses) or a preset name. File paths
 * under `cwd` (the worktree) are shown relative to it.
 */
export function createProgressParser(agent: string, cwd?: string): ProgressParser {
  const program = (agent.split(/[\\/]/).pop() ?? '').replace(/\.(exe|cmd|js|mjs)$/i, '').toLowerCase();
  const factory = HANDLERS[program];
  if (!factory) return raw;
  const handle = factory(cwd);
  return (line) => {
    try {
      const event = parseEvent(line);
      return (event ? handle(event) : salvage(line, cwd)) ?? raw(line);
    } catch {
      return raw(line);
    }
  };
}

function raw(line: string): ParsedLine {
  return { display: line.length > MAX_DISPLAY_LINE ? `${line.slice(0, MAX_DISPLAY_LINE)}…` : line };
}

function parseEvent(line: string): Json | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || text.length > MAX_PARSE) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) && typeof value.type === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

// --- Claude Code: --output-format stream-json --verbose ----------------------------------------

function claude(worktree: string | undefined): Handler {
  let cwd = worktree;
  const messages = new Set<string>();
  return (e) => {
    switch (e.type) {
      case 'system':
        if (e.subtype !== 'init') return { display: `system: ${str(e.subtype) ?? 'event'}` };
        cwd = str(e.cwd) ?? cwd;
        return { display: join('session started', str(e.model) && `model ${str(e.model)}`, str(e.permissionMode)) };
      case 'assistant': {
        const message = obj(e.message);
        const id = str(message?.id);
        if (id) messages.add(id);
        const progress: Partial<AgentProgress> = messages.size > 0 ? { turns: messages.size } : {};
        const shown: string[] = [];
        for (const block of list(message?.content)) {
          if (block.type === 'text') shown.push(text(block.text));
          else if (block.type === 'thinking') shown.push(`thinking: ${oneLine(block.thinking)}`);
          else if (block.type === 'tool_use') {
            progress.action = toolAction(str(block.name) ?? 'tool', obj(block.input), cwd);
            shown.push(`→ ${progress.action}`);
          }
        }
        return { progress, display: shown.filter(Boolean).join('\n') };
      }
      case 'user': {
        const results = list(obj(e.message)?.content).filter((b) => b.type === 'tool_result');
        return { display: results.map((b) => result(b.is_error === true, resultText(b.content))).join('\n') };
      }
      case 'result': {
        const usage = obj(e.usage);
        const tokens = usage && tokenPair(sum(usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens), usage.output_tokens);
        const progress = defined({ turns: count(e.num_turns), costUsd: amount(e.total_cost_usd), tokens });
        const failed = e.is_error === true || (typeof e.subtype === 'string' && e.subtype !== 'success');
        const errors = Array.isArray(e.errors) ? e.errors.filter((x) => typeof x === 'string').join('; ') : '';
        const detail = failed ? oneLine(e.result ?? errors) : '';
        // An API error ends with subtype "success" and is_error: only other subtypes say more.
        const head = e.subtype === 'success' || typeof e.subtype !== 'string' ? 'failed' : `failed (${e.subtype})`;
        return { progress, display: failed ? join(head, detail) : summary('done', progress) };
      }
      case 'stream_event':
        return { display: '' }; // token deltas (--include-partial-messages): the whole message follows
      default:
        return undefined;
    }
  };
}

// --- codex exec --json ---------------------------------------------------------------------------

function codex(cwd: string | undefined): Handler {
  const tokens = { input: 0, output: 0 };
  return (e) => {
    const item = obj(e.item);
    switch (e.type) {
      case 'thread.started':
        return { display: 'session started' };
      case 'turn.started':
        return { display: '' };
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return item ? codexItem(item, e.type === 'item.completed', cwd) : undefined;
      case 'turn.completed': {
        const usage = obj(e.usage);
        tokens.input += count(usage?.input_tokens) ?? 0;
        tokens.output += count(usage?.output_tokens) ?? 0;
        const progress = { tokens: { ...tokens } };
        return { progress, display: summary('turn done', progress) };
      }
      case 'turn.failed':
        return { display: `turn failed: ${apiMessage(obj(e.error)?.message)}` };
      case 'error':
        return { display: `error: ${apiMessage(e.message)}` };
      default:
        return undefined;
    }
  };
}

function codexItem(item: Json, completed: boolean, cwd: string | undefined): ParsedLine {
  switch (item.type) {
    case 'agent_message':
      return { display: completed ? text(item.text) : '' };
    case 'reasoning':
      return { display: completed ? `thinking: ${oneLine(item.text)}` : '' };
    case 'command_execution': {
      if (!completed) {
        const action = short(`Run ${unwrapShell(str(item.command) ?? '')}`);
        return { progress: { action }, display: `→ ${action}` };
      }
      const code = typeof item.exit_code === 'number' ? item.exit_code : undefined;
      return { display: result(code !== 0, join(`exit ${code ?? '?'}`, oneLine(item.aggregated_output))) };
    }
    case 'file_change': {
      // Reported once, when the patch is applied: [{ path, kind: add | update | delete }].
      const paths = list(item.changes).map((c) => relative(str(c.path) ?? '?', cwd));
      const changes = list(item.changes).map((c, i) => `${str(c.kind) ?? 'update'} ${paths[i]}`);
      const action = short(`Edit ${paths.join(', ')}`);
      return { progress: { action }, display: `→ ${item.status === 'failed' ? 'failed: ' : ''}${changes.join(', ')}` };
    }
    case 'mcp_tool_call': {
      const action = short(`${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`);
      return completed ? { display: result(item.status === 'failed', str(item.status) ?? '') } : { progress: { action }, display: `→ ${action}` };
    }
    case 'web_search': {
      const action = short(`Search ${oneLine(item.query)}`);
      return { progress: { action }, display: completed ? '' : `→ ${action}` };
    }
    case 'todo_list': {
      const items = list(item.items);
      return { display: completed ? '' : `plan: ${items.filter((i) => i.completed === true).length}/${items.length} done` };
    }
    case 'error':
      return { display: `error: ${oneLine(item.message)}` };
    default:
      return { display: '' };
  }
}

/** codex passes the provider's error body on as its message: show the message inside it. */
function apiMessage(message: unknown): string {
  if (typeof message === 'string' && message.startsWith('{') && message.length <= MAX_PARSE) {
    try {
      const inner = obj(obj(JSON.parse(message))?.error)?.message;
      if (typeof inner === 'string') return oneLine(inner);
    } catch {
      // not JSON after all: show it as it is
    }
  }
  return oneLine(message);
}

/** codex shows commands as its shell runs them: `/bin/bash -lc 'npm test'` → `npm test`. */
function unwrapShell(command: string): string {
  const m = /^(?:\/usr)?(?:\/bin\/)?(?:ba|z)?sh -lc (.*)$/s.exec(command);
  if (!m) return command;
  const arg = m[1]!;
  if (/^'[^']*'$/.test(arg)) return arg.slice(1, -1);
  if (/^".*"$/s.test(arg)) return arg.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return arg;
}

// --- gemini --output-format stream-json ----------------------------------------------------------

function gemini(cwd: string | undefined): Handler {
  // Assistant text arrives in fragments (delta: true); show it a whole line at a time.
  let pending = '';
  const flush = (all: boolean): string => {
    const cut = all ? pending.length : pending.lastIndexOf('\n') + 1;
    const done = pending.slice(0, cut);
    pending = pending.slice(cut);
    return text(done);
  };
  return (e) => {
    if (e.type === 'message') {
      if (e.role !== 'assistant') return { display: '' }; // the prompt, echoed
      pending += clean(str(e.content) ?? '');
      return { display: flush(e.delta !== true) };
    }
    const parsed = geminiEvent(e, cwd);
    if (!parsed) return undefined;
    const before = flush(true);
    return { ...parsed, display: [before, parsed.display].filter(Boolean).join('\n') };
  };
}

function geminiEvent(e: Json, cwd: string | undefined): ParsedLine | undefined {
  switch (e.type) {
    case 'init':
      return { display: join('session started', str(e.model) && `model ${str(e.model)}`) };
    case 'tool_use': {
      const action = toolAction(str(e.tool_name) ?? 'tool', obj(e.parameters), cwd);
      return { progress: { action }, display: `→ ${action}` };
    }
    case 'tool_result':
      return { display: result(e.status !== 'success', oneLine(e.output ?? obj(e.error)?.message ?? e.status)) };
    case 'error':
      return { display: `error: ${oneLine(e.message)}` };
    case 'result': {
      const stats = obj(e.stats);
      const tokens = stats && tokenPair(stats.input_tokens, stats.output_tokens);
      const progress = defined({ tokens });
      const failed = e.status !== 'success';
      return { progress, display: failed ? `failed: ${oneLine(obj(e.error)?.message ?? e.status)}` : summary('done', progress) };
    }
    default:
      return undefined;
  }
}

// --- opencode run --format json ------------------------------------------------------------------

function opencode(cwd: string | undefined): Handler {
  const tokens = { input: 0, output: 0 };
  let turns = 0;
  let cost = 0;
  return (e) => {
    const part = obj(e.part);
    switch (e.type) {
      case 'step_start':
        return { display: '' };
      case 'text':
        return { display: text(part?.text) };
      case 'reasoning':
        return { display: `thinking: ${oneLine(part?.text)}` };
      case 'tool_use': {
        // Printed once the tool has run, with its input and output.
        const state = obj(part?.state);
        const action = toolAction(str(part?.tool) ?? 'tool', obj(state?.input), cwd);
        const failed = state?.status === 'error';
        return { progress: { action }, display: [`→ ${action}`, failed ? result(true, oneLine(state?.error)) : ''].filter(Boolean).join('\n') };
      }
      case 'step_finish': {
        const t = obj(part?.tokens);
        const cache = obj(t?.cache);
        turns += 1;
        tokens.input += sum(t?.input, cache?.read, cache?.write) ?? 0;
        tokens.output += count(t?.output) ?? 0;
        cost += amount(part?.cost) ?? 0;
        return { progress: { turns, tokens: { ...tokens }, costUsd: cost }, display: '' };
      }
      case 'error': {
        const error = obj(e.error);
        return { display: `error: ${oneLine(obj(error?.data)?.message ?? error?.name)}` };
      }
      default:
        return undefined;
    }
  };
}

const HANDLERS: Record<string, HandlerFactory> = { claude, codex, gemini, opencode };

// --- Lines cut short ---------------------------------------------------------------------------

/**
 * A line cut before its end (fleet's log tail keeps the first 4 KiB of a line) still starts with
 * what matters: a tool's output or the model's text begins with its text, and a call with big
 * arguments (a Write of a large file) names its tool and target before them. Keep those.
 */
function salvage(whole: string, cwd: string | undefined): ParsedLine | undefined {
  const line = whole.slice(0, SALVAGE_SPAN);
  const type = /^\s*\{"type":"([\w.]+)"/.exec(line)?.[1];
  if (!type) return undefined;
  if (type === 'user' || type === 'tool_result' || (type === 'item.completed' && line.includes('"type":"command_execution"'))) {
    const body = /"(?:content|output|aggregated_output)":"((?:[^"\\]|\\.)*)/.exec(line)?.[1] ?? '';
    return { display: result(false, `${oneLine(partialString(body))} …`) };
  }
  const tool = /"(?:name|tool_name|tool)":"([\w.:-]{1,64})"/.exec(line)?.[1];
  const target = /"(file_path|filePath|notebook_path|path|command|cmd|pattern|url|query)":"((?:[^"\\]|\\.)*)/.exec(line);
  if (!tool || !target) {
    const said = /"(?:text|content)":"((?:[^"\\]|\\.)*)/.exec(line)?.[1];
    return said === undefined ? undefined : { display: `${text(partialString(said))} …` };
  }
  const action = toolAction(tool, { [target[1]!]: partialString(target[2]!) }, cwd);
  return { progress: { action }, display: `→ ${action} …` };
}

/** The decoded text of a JSON string body that may stop anywhere, even inside an escape. */
function partialString(body: string): string {
  for (let end = body.length; end >= Math.max(0, body.length - 6); end--) {
    try {
      return JSON.parse(`"${body.slice(0, end)}"`) as string;
    } catch {
      // cut inside an escape sequence: try a little shorter
    }
  }
  return '';
}

// --- Shared ------------------------------------------------------------------------------------

const TARGET_KEYS = ['file_path', 'filePath', 'notebook_path', 'path', 'command', 'cmd', 'pattern', 'url', 'query', 'description'];

/** "Edit src/a.ts", "Bash npm test": the tool and its first target, paths relative to cwd. */
function toolAction(tool: string, input: Json | undefined, cwd: string | undefined): string {
  const key = TARGET_KEYS.find((k) => typeof input?.[k] === 'string' && input[k] !== '');
  const target = key ? relative(oneLine(input![key]), cwd) : '';
  return short(target ? `${clean(tool)} ${target}` : clean(tool));
}

function relative(path: string, cwd: string | undefined): string {
  return cwd && path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

function result(failed: boolean, detail: string): string {
  return `  ⎿ ${failed ? 'error: ' : ''}${detail}`;
}

function summary(head: string, p: Partial<AgentProgress>): string {
  return join(
    head,
    p.turns !== undefined && `${p.turns} turn${p.turns === 1 ? '' : 's'}`,
    p.tokens && `${p.tokens.input} in / ${p.tokens.output} out tokens`,
    p.costUsd !== undefined && `$${p.costUsd.toFixed(4)}`,
  );
}

/** Model text for the pane: control characters removed, long lines cut. */
function text(value: unknown): string {
  return clean(str(value) ?? '')
    .split('\n')
    .map((l) => (l.length > MAX_DISPLAY_LINE ? `${l.slice(0, MAX_DISPLAY_LINE)}…` : l))
    .join('\n')
    .trim();
}

function oneLine(value: unknown): string {
  const s = clean(typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value) ?? '');
  const first = s.trim().split('\n')[0] ?? '';
  return first.length > MAX_DISPLAY_LINE ? `${first.slice(0, MAX_DISPLAY_LINE)}…` : first;
}

function short(s: string): string {
  const line = oneLine(s);
  return line.length > MAX_ACTION ? `${line.slice(0, MAX_ACTION - 1)}…` : line;
}

/**
 * Decoded JSON strings may carry what the log sanitizer removed from the raw bytes (a JSON
 * "\u001b" is an ESC again): drop C0/C1 controls and bidi overrides, keep newlines and tabs.
 */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return oneLine(content);
  return oneLine(list(content).map((c) => str(c.text) ?? '').join('\n'));
}

function join(...parts: (string | false | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const obj = (value: unknown): Json | undefined => (isObject(value) ? value : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A non-negative finite number, or undefined: hostile or odd values never reach the progress. */
function amount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function count(value: unknown): number | undefined {
  const n = amount(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** The sum of the counts present, or undefined when there are none. */
function sum(...values: unknown[]): number | undefined {
  const present = values.map(count).filter((n): n is number => n !== undefined);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) : undefined;
}

function tokenPair(input: unknown, output: unknown): AgentProgress['tokens'] {
  const i = count(input);
  const o = count(output);
  return i === undefined && o === undefined ? undefined : { input: i ?? 0, output: o ?? 0 };
}

function defined(progress: Partial<AgentProgress>): Partial<AgentProgress> {
  return Object.fromEntries(Object.entries(progress).filter(([, v]) => v !== undefined));
}
