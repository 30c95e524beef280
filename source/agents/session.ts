// The session id an agent CLI names in its JSON stream, so a revision can continue that session
// instead of starting cold (docs/agents.md). Pure; the shapes are those of the captured runs in
// test/fixtures/agent-output/: claude's and gemini's `session_id`, codex's `thread.started`
// `thread_id`, opencode's `sessionID` on every event.

const FIELDS = ['session_id', 'sessionID', 'thread_id'] as const;
/** Ids are UUIDs or short tokens; anything else is not something to pass back on a command line. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The session id a JSON event of the agent's output names, if it names one. */
export function sessionIdIn(event: Record<string, unknown>): string | undefined {
  for (const field of FIELDS) {
    const value = event[field];
    if (typeof value === 'string' && ID.test(value)) return value;
  }
  return undefined;
}
