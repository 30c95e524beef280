// Claude Code: --output-format stream-json --verbose.
import { type AgentProgress, type Handler, RATE_LIMIT_STATUSES, amount, count, defined, epochMs, join, list, obj, oneLine, result, str, sum, summary, text, tokenPair, toolAction } from './shared.js';

export function claude(worktree: string | undefined): Handler {
  let cwd = worktree;
  const messages = new Set<string>();
  // A rejected rate_limit_event tells when the quota resets; the failed result follows it.
  let resetAt: number | undefined;
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
        const shown = { progress, display: failed ? join(head, detail) : summary('done', progress) };
        const status = count(e.api_error_status);
        const limited = failed && status !== undefined && RATE_LIMIT_STATUSES.has(status);
        return limited ? { ...shown, rateLimit: resetAt === undefined ? {} : { resetAt } } : shown;
      }
      case 'rate_limit_event': {
        const info = obj(e.rate_limit_info);
        if (info?.status === 'rejected') resetAt = epochMs(info.resetsAt) ?? resetAt;
        return { display: info?.status === 'rejected' ? 'rate limit reached' : '' };
      }
      case 'stream_event':
        return { display: '' }; // token deltas (--include-partial-messages): the whole message follows
      default:
        return undefined;
    }
  };
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return oneLine(content);
  return oneLine(list(content).map((c) => str(c.text) ?? '').join('\n'));
}
