import type { Handler } from './progress-shared.js';
import { amount, count, obj, oneLine, result, str, sum, text, toolAction } from './progress-shared.js';

// --- opencode run --format json ------------------------------------------------------------------

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
        return { display: `error: ${oneLine(obj(error?.data)?.message ?? error?.name)}` };
      }
      default:
        return undefined;
    }
  };
}
