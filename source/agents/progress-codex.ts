import type { Handler, Json, ParsedLine } from './progress-shared.js';
import { count, join, list, MAX_PARSE, obj, oneLine, relative, result, short, str, summary, text } from './progress-shared.js';

// --- codex exec --json ---------------------------------------------------------------------------

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
