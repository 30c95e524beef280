// The session id an agent CLI names in its JSON stream, so a revision can continue that session
// instead of starting cold (docs/agents.md). Pure; the shapes are those of the captured runs in
// test/fixtures/agent-output/: claude's and gemini's `session_id`, codex's `thread.started`
// `thread_id`, opencode's `sessionID` on every event.

const FIELDS = ['session_id', 'sessionID', 'thread_id'] as const;
/** Ids are UUIDs or short tokens; anything else is not something to pass back on a command line. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_LINE = 64 * 1024;

/** The session id a line of the agent's output names, if it is a JSON event that names one. */
export function sessionIdOf(line: string): string | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || text.length > MAX_LINE || !/session|thread_id/.test(text)) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  for (const field of FIELDS) {
    const value = (event as Record<string, unknown>)[field];
    if (typeof value === 'string' && ID.test(value)) return value;
  }
  return undefined;
}
