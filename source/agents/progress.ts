// Structured progress from agent CLIs that print one JSON event a line (the presets ask for it:
// claude stream-json, codex --json, gemini stream-json, opencode --format json). Each line becomes
// the text to show in the task's pane plus, where the event carries them, the current action,
// turns, tokens and cost. Anything else (plain text, stderr, partial or hostile JSON, an unknown
// agent) shows as the line itself. Pure: no I/O; a parser's state lives in its closure.
//
// Event shapes are those the real CLIs print; test/fixtures/agent-output/ holds captured runs.
// This file picks the parser by program name (streams/<cli>.ts) and salvages lines cut short.

import { claude } from './streams/claude.js';
import { codex } from './streams/codex.js';
import { gemini } from './streams/gemini.js';
import { opencode } from './streams/opencode.js';
import { sessionIdIn } from './session.js';
import { MAX_DISPLAY_LINE, MAX_PARSE, isObject, oneLine, result, text, toolAction, type Handler, type HandlerFactory, type Json, type ParsedLine, type ProgressParser } from './streams/shared.js';

export type { AgentProgress, ParsedLine, ProgressParser, RateLimitSignal } from './streams/shared.js';

/** How much of an unparseable line is searched for a tool, target or text. */
const SALVAGE_SPAN = 64 * 1024;

const HANDLERS: Record<string, HandlerFactory> = { claude, codex, gemini, opencode };

/**
 * A parser for one attempt of one agent. `agent` is the agent's program (command[0]; its base
 * name is used, so a custom agent running `claude` still parses) or a preset name. File paths
 * under `cwd` (the worktree) are shown relative to it. With `sessions` (an agent that can resume
 * one), the first line naming a session id yields it, from the same parse.
 */
export function createProgressParser(agent: string, cwd?: string, options: { sessions?: boolean } = {}): ProgressParser {
  const program = (agent.split(/[\\/]/).pop() ?? '').replace(/\.(exe|cmd|js|mjs)$/i, '').toLowerCase();
  const handle = HANDLERS[program]?.(cwd);
  if (!handle && !options.sessions) return raw;
  // The first id is the session; some CLIs repeat it on every event, so stop looking once found.
  let seeking = options.sessions === true;
  return (line) => {
    const value = parseObject(line);
    const session = seeking && value ? sessionIdIn(value) : undefined;
    if (session !== undefined) seeking = false;
    const parsed = handle ? handled(handle, line, value, cwd) : raw(line);
    return session === undefined ? parsed : { ...parsed, session };
  };
}

function handled(handle: Handler, line: string, value: Json | undefined, cwd: string | undefined): ParsedLine {
  try {
    return (value && typeof value.type === 'string' ? handle(value) : salvage(line, cwd)) ?? raw(line);
  } catch {
    return raw(line);
  }
}

function raw(line: string): ParsedLine {
  return { display: line.length > MAX_DISPLAY_LINE ? `${line.slice(0, MAX_DISPLAY_LINE)}…` : line };
}

/** The line as a JSON object, parsed once for both the handler and the session id. */
function parseObject(line: string): Json | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || text.length > MAX_PARSE) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

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
