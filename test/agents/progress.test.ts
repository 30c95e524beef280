import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProgressParser, type AgentProgress, type ParsedLine } from '../../source/agents/progress.js';

// Real output captured from the CLIs against the stub model: see test/fixtures/agent-output/README.md.
const FIXTURES = new URL('../fixtures/agent-output/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter((l) => l !== '');

function run(agent: string, lines: string[], cwd?: string): { parsed: ParsedLine[]; progress: Partial<AgentProgress>; shown: string[] } {
  const parse = createProgressParser(agent, cwd);
  const parsed = lines.map((l) => parse(l));
  const progress = Object.assign({}, ...parsed.map((p) => p.progress ?? {})) as Partial<AgentProgress>;
  const shown = parsed.flatMap((p) => (p.display === '' ? [] : p.display.split('\n')));
  return { parsed, progress, shown };
}

describe('claude stream-json', () => {
  it('shows the session, text, tool calls and results, and ends with turns, tokens and cost', () => {
    const { parsed, progress, shown } = run('claude', fixture('claude-stream-json.jsonl'));
    expect(shown).toEqual([
      'session started · model claude-opus-4-8[1m] · bypassPermissions',
      'Next: write hello.txt.',
      '→ Write hello.txt', // file_path is absolute; shown relative to the init event's cwd
      '  ⎿ File created successfully at: /tmp/fleet-i6/cap-claude/repo/hello.txt (file state is current in your context — no need to Read it back)',
      'Next: run `cat hello.txt`.',
      '→ Bash cat hello.txt',
      '  ⎿ hello from claude',
      'Done: write hello.txt, run `cat hello.txt`.',
      'done · 3 turns · 360 in / 90 out tokens · $0.0040',
    ]);
    expect(parsed[2]!.progress).toEqual({ turns: 1, action: 'Write hello.txt' });
    expect(progress).toEqual({ action: 'Bash cat hello.txt', turns: 3, tokens: { input: 360, output: 90 }, costUsd: 0.00405 });
  });

  it('reports an API error as a failure with its message', () => {
    const { shown } = run('claude', fixture('claude-error.jsonl'));
    expect(shown.at(-1)).toBe('failed · API Error: 400 the stub model refuses this request');
  });

  it('keeps the tool and target of a tool call cut at 4 KiB by the log tail', () => {
    const write = fixture('claude-stream-json.jsonl')[2]!.replace('hello from claude\\n', 'x'.repeat(10_000));
    const { parsed } = run('claude', [write.slice(0, 4096)], '/tmp/fleet-i6/cap-claude/repo');
    expect(parsed[0]).toEqual({ progress: { action: 'Write hello.txt' }, display: '→ Write hello.txt …' });
  });

  it('shows the start of model text cut at 4 KiB', () => {
    const said = fixture('claude-stream-json.jsonl')[1]!.replace('Next: write hello.txt.', `Long answer ${'z'.repeat(10_000)}`);
    expect(run('claude', [said.slice(0, 4096)]).parsed[0]!.display).toMatch(/^Long answer z{900,}… …$/);
  });

  it('shows the start of a tool result cut at 4 KiB', () => {
    const result = fixture('claude-stream-json.jsonl')[6]!.replace('"hello from claude"', `"${'y'.repeat(10_000)}"`);
    expect(run('claude', [result.slice(0, 4096)]).parsed[0]!.display).toMatch(/^ {2}⎿ y{100,}… …$/);
  });
});

describe('codex exec --json', () => {
  it('shows commands without the shell wrapper, their exit, and the turn tokens', () => {
    const { progress, shown } = run('codex', fixture('codex-json.jsonl'));
    expect(shown).toEqual([
      'session started',
      'error: Model metadata for `stub-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
      'Next: write hello.txt.',
      "→ Run printf '%s\\n' 'hello from codex' > 'hello.txt'",
      '  ⎿ exit 0',
      'Next: run `cat hello.txt`.',
      '→ Run cat hello.txt',
      '  ⎿ exit 0 · hello from codex',
      'Done: write hello.txt, run `cat hello.txt`.',
      'turn done · 360 in / 90 out tokens',
    ]);
    expect(progress).toEqual({ action: 'Run cat hello.txt', tokens: { input: 360, output: 90 } });
  });

  it('shows the message inside a provider error body', () => {
    const { shown } = run('codex', fixture('codex-error.jsonl'));
    expect(shown.slice(-2)).toEqual(['error: the stub model refuses this request', 'turn failed: the stub model refuses this request']);
  });

  it('takes the edited paths of a file_change item as the action', () => {
    // The stub's unknown model gets no apply_patch tool, so this item follows codex's documented
    // exec event shape (item.type "file_change", changes [{ path, kind }]) rather than a capture.
    const line = JSON.stringify({ type: 'item.completed', item: { id: 'item_3', type: 'file_change', changes: [{ path: '/w/src/a.ts', kind: 'update' }, { path: '/w/b.md', kind: 'add' }], status: 'completed' } });
    expect(run('codex', [line], '/w').parsed[0]).toEqual({ progress: { action: 'Edit src/a.ts, b.md' }, display: '→ update src/a.ts, add b.md' });
  });

  it('adds up the tokens of several turns', () => {
    const turn = fixture('codex-json.jsonl').at(-1)!;
    expect(run('codex', [turn, turn]).progress.tokens).toEqual({ input: 720, output: 180 });
  });
});

describe('gemini stream-json', () => {
  it('joins text fragments into lines and shows tool calls and totals', () => {
    const { progress, shown } = run('gemini', fixture('gemini-stream-json.jsonl'));
    expect(shown).toEqual([
      'session started · model auto',
      'Next: write hello.txt.',
      '→ write_file hello.txt',
      '  ⎿ success',
      'Next: run `cat hello.txt`.',
      '→ run_shell_command cat hello.txt',
      '  ⎿ hello from gemini',
      'Done: write hello.txt, run `cat hello.txt`.',
      'done · 480 in / 120 out tokens',
    ]);
    expect(progress).toEqual({ action: 'run_shell_command cat hello.txt', tokens: { input: 480, output: 120 } });
  });

  it('shows a fragment only once its line is complete', () => {
    const lines = fixture('gemini-stream-json.jsonl');
    const fragment = (content: string) => lines[2]!.replace('"Next: write hello.txt."', JSON.stringify(content));
    const { parsed } = run('gemini', [fragment('Reading the'), fragment(' code.\nNow I'), fragment(' will edit.'), lines[3]!]);
    expect(parsed.map((p) => p.display)).toEqual(['', 'Reading the code.', '', 'Now I will edit.\n→ write_file hello.txt']);
  });

  it('reports a failed run', () => {
    const { shown } = run('gemini', fixture('gemini-error.jsonl'));
    expect(shown.at(-1)).toMatch(/^failed: \[API Error: .*the stub model refuses this request/);
  });
});

describe('opencode --format json', () => {
  it('counts steps as turns and adds up tokens and cost', () => {
    const { progress, shown } = run('opencode', fixture('opencode-json.jsonl'), '/tmp/fleet-i6/cap-opencode/repo');
    expect(shown).toEqual(['Next: write hello.txt.', '→ write hello.txt', 'Next: run `cat hello.txt`.', '→ bash cat hello.txt', 'Done: write hello.txt, run `cat hello.txt`.']);
    expect(progress).toEqual({ action: 'bash cat hello.txt', turns: 3, tokens: { input: 360, output: 90 }, costUsd: 0 });
  });
});

describe('session ids', () => {
  const first = (parse: (line: string) => ParsedLine, lines: string[]) => lines.map((l) => parse(l).session).find((s) => s !== undefined);

  it('names the session each CLI\'s stream carries, from the same parse, when asked to', () => {
    expect(first(createProgressParser('claude', undefined, { sessions: true }), fixture('claude-stream-json.jsonl'))).toBe('4b81d047-d675-4435-bdd2-dc708ca45d9d');
    expect(first(createProgressParser('codex', undefined, { sessions: true }), fixture('codex-json.jsonl'))).toBe('01a2138f-6e60-7520-b585-97be1d387c17');
    expect(first(createProgressParser('opencode', undefined, { sessions: true }), fixture('opencode-json.jsonl'))).toBe('ses_dec707f4affemiLqS0akNEsrYO');
    // A program without a stream parser still shows its raw line, and still names its session.
    const line = '{"type":"init","session_id":"abc-123"}';
    expect(createProgressParser('mybot', undefined, { sessions: true })(line)).toEqual({ display: line, session: 'abc-123' });
  });

  it('looks for none when not asked (an agent that cannot resume), and takes no id that is not a plain token', () => {
    expect(first(createProgressParser('claude'), fixture('claude-stream-json.jsonl'))).toBeUndefined();
    const parse = createProgressParser('claude', undefined, { sessions: true });
    expect(parse('{"type":"system","session_id":"--exec=rm -rf /"}').session).toBeUndefined();
    expect(parse('{"type":"system","session_id":"4b81d047"').session).toBeUndefined();
  });
});

describe('fallback and hostile input', () => {
  const every = ['claude', 'codex', 'gemini', 'opencode', 'aider', 'sh', 'mybot'];
  const captured = ['claude-stream-json', 'claude-error', 'codex-json', 'codex-error', 'gemini-stream-json', 'gemini-error', 'opencode-json'].flatMap((f) => fixture(`${f}.jsonl`));

  it('shows the raw line for agents without a structured mode, even when it is JSON', () => {
    for (const agent of ['aider', 'shell', 'sh', 'mybot', '']) {
      const parse = createProgressParser(agent);
      for (const line of ['Applied edit to src/a.ts', captured[1]!]) expect(parse(line)).toEqual({ display: line });
    }
  });

  it('recognises the program by its base name', () => {
    expect(run('/opt/tools/bin/claude', fixture('claude-stream-json.jsonl')).progress.turns).toBe(3);
  });

  it('shows plain text (stderr, warnings) as it is', () => {
    const parse = createProgressParser('gemini');
    expect(parse('YOLO mode is enabled. All tool calls will be automatically approved.')).toEqual({ display: 'YOLO mode is enabled. All tool calls will be automatically approved.' });
    expect(createProgressParser('claude')('--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons').display).toMatch(/^--dangerously/);
  });

  it('never throws on any cut of any captured line, and always returns a string', () => {
    for (const agent of every) {
      const parse = createProgressParser(agent, '/tmp');
      for (const line of captured) {
        for (let cut = 0; cut <= line.length; cut += 7) {
          const out = parse(line.slice(0, cut));
          expect(typeof out.display).toBe('string');
        }
      }
    }
  });

  it('strips terminal controls and bidi overrides that JSON escapes would smuggle in', () => {
    const hostile = 'ok\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u009b31m\u202etxt.exe\u0000';
    const lines = [
      JSON.stringify({ type: 'assistant', message: { id: 'm', content: [{ type: 'text', text: hostile }, { type: 'tool_use', name: `Bash\u001b[31m`, input: { command: hostile } }] } }),
      JSON.stringify({ type: 'item.completed', item: { type: 'agent_message', text: hostile } }),
      JSON.stringify({ type: 'message', role: 'assistant', content: hostile }),
    ];
    for (const [agent, line] of [['claude', lines[0]!], ['codex', lines[1]!], ['gemini', lines[2]!]] as const) {
      const out = createProgressParser(agent)(line);
      // eslint-disable-next-line no-control-regex
      expect(out.display).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(JSON.stringify(out.progress ?? {})).not.toMatch(/\\u00(1b|07|9b)|\u202e/);
    }
  });

  it('copes with huge, deeply nested or malformed lines', () => {
    const parse = createProgressParser('claude');
    const huge = `{"type":"assistant","message":{"content":[{"type":"text","text":"${'z'.repeat(2_000_000)}"}]}}`;
    expect(parse(huge).display).toMatch(/^z{1000}… …$/);
    const deep = `{"type":"x","a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect(parse(deep).display.startsWith('{"type":"x"')).toBe(true);
    for (const bad of ['{', '{"type":', '{"type":1}', '[]', 'null', '{"type":"result","usage":', '\u0000{}']) {
      expect(parse(bad).display).toBe(bad);
    }
  });

  it('keeps odd or hostile numbers out of the progress', () => {
    const parse = createProgressParser('claude');
    const line = '{"type":"result","subtype":"success","num_turns":-1,"total_cost_usd":1e400,"usage":{"input_tokens":"9","output_tokens":1.5},"__proto__":{"polluted":true}}';
    expect(parse(line).progress).toEqual({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('caps long model text per line', () => {
    const line = JSON.stringify({ type: 'item.completed', item: { type: 'agent_message', text: 'w'.repeat(5000) } });
    expect(createProgressParser('codex')(line).display).toHaveLength(1001);
  });
});
