// codex exec --json.
import { type Handler, type Json, MAX_PARSE, type ParsedLine, type RateLimitSignal, amount, count, defined, epochMs, join, list, obj, oneLine, relative, result, short, str, summary, text } from './shared.js';

export function codex(cwd: string | undefined): Handler {
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
      case 'turn.failed': {
        const message = obj(e.error)?.message;
        return { display: `turn failed: ${apiMessage(message)}`, ...codexRateLimit(message) };
      }
      case 'error':
        return { display: `error: ${apiMessage(e.message)}`, ...codexRateLimit(e.message) };
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

const CODEX_LIMIT_TYPES = new Set(['rate_limit_exceeded', 'usage_limit_reached', 'rate_limit_error', 'overloaded_error']);

/**
 * codex's own error events: the provider's error body (type or code naming a rate or usage
 * limit, maybe resets_at / resets_in_seconds), or codex's retry summary ("… 429 Too Many Requests").
 */
function codexRateLimit(message: unknown): { rateLimit?: RateLimitSignal } {
  if (typeof message !== 'string' || message.length > MAX_PARSE) return {};
  let inner: Json | undefined;
  try {
    inner = obj(obj(JSON.parse(message))?.error);
  } catch {
    inner = undefined;
  }
  if (inner) {
    if (!CODEX_LIMIT_TYPES.has(str(inner.type) ?? '') && !CODEX_LIMIT_TYPES.has(str(inner.code) ?? '')) return {};
    const resetAt = epochMs(inner.resets_at);
    const inSeconds = amount(inner.resets_in_seconds);
    return { rateLimit: defined({ resetAt, resetInMs: inSeconds === undefined ? undefined : inSeconds * 1000 }) };
  }
  return /\b(429|529)\b|Too Many Requests/i.test(message) ? { rateLimit: {} } : {};
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
