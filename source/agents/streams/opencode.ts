// opencode run --format json.
import { type Handler, RATE_LIMIT_STATUSES, amount, count, obj, oneLine, result, str, sum, text, toolAction } from './shared.js';

export function opencode(cwd: string | undefined): Handler {
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
        const data = obj(error?.data);
        const shown = { display: `error: ${oneLine(data?.message ?? error?.name)}` };
        const status = count(data?.statusCode);
        if (status === undefined || !RATE_LIMIT_STATUSES.has(status)) return shown;
        const retryAfter = amount(Number(str(obj(data?.responseHeaders)?.['retry-after'])));
        return { ...shown, rateLimit: retryAfter === undefined ? {} : { resetInMs: retryAfter * 1000 } };
      }
      default:
        return undefined;
    }
  };
}
