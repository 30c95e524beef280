// Each CLI's own sign of a provider rate limit (docs/agents.md, "Rate limits"), and that the
// model's text saying "rate limit" or "429" is never taken for one.
import { describe, expect, it } from 'vitest';
import { createProgressParser, type RateLimitSignal } from '../../source/agents/progress.js';

function signal(agent: string, lines: object[]): RateLimitSignal | undefined {
  const parse = createProgressParser(agent);
  let found: RateLimitSignal | undefined;
  for (const line of lines) found = parse(JSON.stringify(line)).rateLimit ?? found;
  return found;
}

const claudeResult = (status: number | null) => ({ type: 'result', subtype: 'success', is_error: true, api_error_status: status, result: `API Error: ${status}` });

describe('rate-limit signatures', () => {
  it('claude: a failed result with api_error_status 429 or 529, the reset from a rejected rate_limit_event', () => {
    expect(signal('claude', [claudeResult(429)])).toEqual({});
    expect(signal('claude', [claudeResult(529)])).toEqual({});
    expect(signal('claude', [{ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1_800_000_000 } }, claudeResult(429)])).toEqual({ resetAt: 1_800_000_000_000 });
    expect(signal('claude', [claudeResult(400)])).toBeUndefined();
    expect(signal('claude', [{ type: 'rate_limit_event', rate_limit_info: { status: 'allowed_warning' } }])).toBeUndefined();
  });

  it('codex: an error or turn.failed whose provider error names a rate or usage limit', () => {
    const body = (error: object) => JSON.stringify({ error });
    expect(signal('codex', [{ type: 'error', message: body({ type: 'usage_limit_reached', resets_in_seconds: 30 }) }])).toEqual({ resetInMs: 30_000 });
    expect(signal('codex', [{ type: 'turn.failed', error: { message: body({ code: 'rate_limit_exceeded', resets_at: 1_800_000_000 }) } }])).toEqual({ resetAt: 1_800_000_000_000 });
    expect(signal('codex', [{ type: 'error', message: 'exceeded retry limit, last status: 429 Too Many Requests' }])).toEqual({});
    expect(signal('codex', [{ type: 'error', message: body({ type: 'invalid_request_error' }) }])).toBeUndefined();
  });

  it('gemini: a failed result quoting code 429 or RESOURCE_EXHAUSTED', () => {
    const failed = (message: string) => ({ type: 'result', status: 'error', error: { type: 'unknown', message } });
    expect(signal('gemini', [failed('[API Error: {"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}]')])).toEqual({});
    expect(signal('gemini', [failed('[API Error: {"error":{"code":400,"status":"INVALID_ARGUMENT"}}]')])).toBeUndefined();
  });

  it('opencode: an error event with statusCode 429 or 529, retry-after as the reset', () => {
    const error = (statusCode: number, headers?: object) => ({ type: 'error', error: { name: 'APIError', data: { message: 'slow down', statusCode, responseHeaders: headers } } });
    expect(signal('opencode', [error(429, { 'retry-after': '12' })])).toEqual({ resetInMs: 12_000 });
    expect(signal('opencode', [error(529)])).toEqual({});
    expect(signal('opencode', [error(500)])).toBeUndefined();
  });

  it('never reads one from what the model says', () => {
    const text = 'I hit a rate limit: 429 Too Many Requests, RESOURCE_EXHAUSTED';
    expect(signal('claude', [{ type: 'assistant', message: { id: 'm', content: [{ type: 'text', text }] } }, { type: 'result', subtype: 'success', is_error: false, result: text }])).toBeUndefined();
    expect(signal('codex', [{ type: 'item.completed', item: { type: 'agent_message', text } }])).toBeUndefined();
    expect(signal('gemini', [{ type: 'message', role: 'assistant', content: text }, { type: 'result', status: 'success' }])).toBeUndefined();
    expect(signal('opencode', [{ type: 'text', part: { text } }])).toBeUndefined();
    expect(signal('aider', [{ type: 'error', message: text }])).toBeUndefined();
  });
});
