// gemini --output-format stream-json.
import { type Handler, type Json, type ParsedLine, clean, defined, join, obj, oneLine, result, str, summary, text, tokenPair, toolAction } from './shared.js';

export function gemini(cwd: string | undefined): Handler {
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
      const message = obj(e.error)?.message;
      const shown = { progress, display: failed ? `failed: ${oneLine(message ?? e.status)}` : summary('done', progress) };
      // gemini quotes the provider's error body: code 429 / RESOURCE_EXHAUSTED is a quota, not the task.
      const limited = failed && typeof message === 'string' && /"code":\s*(429|529)\b|RESOURCE_EXHAUSTED/.test(message);
      return limited ? { ...shown, rateLimit: {} } : shown;
    }
    default:
      return undefined;
  }
}
