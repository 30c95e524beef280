import { describe, expect, it } from 'vitest';
import { revisionPrompt, taskArgv } from '../../source/agents/command.js';
import { PRESETS } from '../../source/core/presets.js';
import type { TaskSpec } from '../../source/core/fleet.js';

describe('revisionPrompt', () => {
  it('is the original, the last report, then each comment with its place, between delimiters', () => {
    const prompt = revisionPrompt('Add a greeting', [{ text: 'louder', path: 'a.txt', line: 3 }, { text: 'two\nlines' }], { summary: 'gate failed', detail: 'FAIL x' });
    expect(prompt).toBe(
      [
        'Add a greeting',
        '',
        '--- fleet: where your last run stopped ---',
        'gate failed\n\nFAIL x',
        '--- end of report ---',
        '',
        '--- fleet: review comments on your change in this worktree ---',
        '- a.txt:3: louder',
        '- (general): two\n  lines',
        '--- end of review comments; address each one, then stop (fleet commits and checks the result) ---',
      ].join('\n'),
    );
  });

  it('caps what follows the original at 8 KiB, keeping the comments before the report', () => {
    const original = 'o'.repeat(20_000);
    const prompt = revisionPrompt(original, [{ text: 'c'.repeat(6000) }], { summary: 'failed', detail: 'x'.repeat(50_000) });
    expect(prompt.startsWith(original)).toBe(true);
    const added = Buffer.byteLength(prompt) - Buffer.byteLength(original);
    expect(added).toBeLessThanOrEqual(8 * 1024 + 300); // the delimiters aside
    expect(prompt).toContain('c'.repeat(6000));
    const huge = revisionPrompt('o', [{ text: 'c'.repeat(20_000) }], undefined);
    expect(Buffer.byteLength(huge)).toBeLessThan(8 * 1024 + 300);
  });
});

describe('the resume command line', () => {
  const task = { key: 't', agent: 'claude' } as TaskSpec;
  it('is used only with a session, the id in its place', () => {
    expect(taskArgv(task, PRESETS.claude, 'do it', 'abc').slice(0, 4)).toEqual(['claude', '-p', '--resume', 'abc']);
    expect(taskArgv(task, PRESETS.claude, 'do it')).toEqual(PRESETS.claude!.command.map((p) => (p === '{prompt}' ? 'do it' : p)));
    expect(taskArgv(task, PRESETS.aider, 'do it', 'abc')).not.toContain('abc');
  });
});
