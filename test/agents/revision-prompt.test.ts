import { describe, expect, it } from 'vitest';
import { promptWithFailure, repairPrompt, revisionPrompt, taskArgv } from '../../source/agents/command.js';
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

  it('cuts long multibyte comments on a whole character, within the cap', () => {
    const prompt = revisionPrompt('o', [{ text: '€'.repeat(5000) }], undefined);
    const comments = prompt.slice(prompt.indexOf('- (general): '), prompt.lastIndexOf('\n---'));
    expect(comments).not.toContain('\uFFFD');
    expect(comments).toMatch(/€…$/u);
    expect(Buffer.byteLength(comments)).toBeLessThanOrEqual(8 * 1024);
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

describe('clipping logs into prompts', () => {
  const between = (prompt: string, from: string, to: string) => prompt.slice(prompt.indexOf(from) + from.length + 1, prompt.indexOf(to) - 1);

  it('keeps the end of a long multibyte gate log within the byte cap, on whole characters', () => {
    const tail = `start ${'é€😀'.repeat(3000)} end`;
    const clipped = between(repairPrompt('do it', 'main', 'check failed', tail, []), 'The end of the check output:', 'Fix the combined result');
    expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(6000);
    expect(Buffer.byteLength(clipped)).toBeGreaterThan(5990);
    expect(clipped).toMatch(/^…[é€😀]/u);
    expect(clipped).not.toContain('\uFFFD');
    expect(clipped.endsWith('😀 end')).toBe(true);
    expect(between(repairPrompt('do it', 'main', 'check failed', 'short log', []), 'The end of the check output:', 'Fix the combined result')).toBe('short log');
  });

  it('holds a failure report to 8 KiB the same way', () => {
    const prompt = promptWithFailure('do it', { attempt: 1, summary: 'check failed', detail: '€'.repeat(5000) });
    const detail = between(prompt, 'check failed\n', '--- end of failure report');
    expect(Buffer.byteLength(detail)).toBeLessThanOrEqual(8 * 1024);
    expect(detail).not.toContain('\uFFFD');
  });
});
