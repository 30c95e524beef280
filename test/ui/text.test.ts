import { describe, expect, it, vi } from 'vitest';
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { stripSgr } from '../../source/core/text.js';
import { clipLine, fitLine } from '../../source/ui/model/clip-line.js';
import { colorEnabled } from '../../source/ui/no-color.js';
import { plain } from '../../source/ui/print/plain-text.js';
import { paneDetails } from '../../source/ui/model/pane-details.js';
import { queueItems } from '../../source/ui/model/queue-items.js';
import { added, ago, FakeView, review, started } from './fake-view.js';

describe('strings from repositories and agents', () => {
  it('reach the screen as one inert line', () => {
    expect(plain('line one\nline two\tend')).toBe('line one line two end');
    expect(plain('evil\x1b]0;pwned\x07name\x9b2J')).toBe('evil?]0;pwned?name?2J');
  });

  it('a conflicting path named with an escape sequence cannot reach the terminal', () => {
    const view = new FakeView([added('a'), ...started('a', ago(1000)), ...review('a', ago(10), ['ok.ts', 'x\x1b]52;c;SGVsbG8=\x07.ts'])]);
    const shown = [
      ...queueItems(view.getState()).map((i) => i.text),
      ...paneDetails(view.getState(), 'a', [], 80, 20).map((l) => l.text),
    ].join('\n');
    expect(shown).toContain('x?]52;c;SGVsbG8=?.ts');
    expect(shown).not.toContain('\x1b');
    expect(shown).not.toContain('\x07');
  });
});

describe('clipLine', () => {
  it('cuts a long line just past the width, so Ink still marks it as cut', () => {
    expect(clipLine('x'.repeat(5000), 10)).toBe('x'.repeat(11));
    expect(clipLine('short', 10)).toBe('short');
  });

  it('keeps colour sequences whole, does not count them, and resets at the cut', () => {
    const line = `\x1b[31m${'r'.repeat(20)}\x1b[0m${'p'.repeat(20)}`;
    expect(clipLine(line, 25)).toBe(`\x1b[31m${'r'.repeat(20)}\x1b[0m${'p'.repeat(6)}\x1b[0m`);
  });

  it('never splits a character made of two code units', () => {
    expect(clipLine('😀'.repeat(30), 3)).toBe('😀'.repeat(4));
  });
});

describe('fitLine', () => {
  const inkTruncates = (line: string, width: number) => {
    const app = render(createElement(Box, { width }, createElement(Text, { wrap: 'truncate-end' }, line)));
    const frame = app.lastFrame() ?? '';
    app.unmount();
    return frame;
  };

  it('cuts ASCII lines exactly as Ink would, colour sequences not counted', () => {
    const lines = [
      'x'.repeat(50),
      'x'.repeat(20),
      'x'.repeat(21),
      `\x1b[2m12:00:01 \x1b[0;36mt01 \x1b[32mINFO\x1b[0m line \x1b[1m0000042 \x1b[0;33m${'fox '.repeat(10)}\x1b[0m end`,
      `\x1b[31m${'r'.repeat(19)}\x1b[0m${'p'.repeat(5)}`,
      '',
    ];
    for (const line of lines) {
      const fitted = fitLine(line, 20)!;
      expect(stripSgr(fitted)).toBe(stripSgr(inkTruncates(line, 20)));
      expect(stripSgr(fitted).length).toBeLessThanOrEqual(20);
    }
  });

  it('resets colour before the ellipsis, so the cut never leaks a style', () => {
    expect(fitLine(`\x1b[31m${'r'.repeat(30)}`, 10)).toBe(`\x1b[31m${'r'.repeat(9)}\x1b[0m…`);
    expect(fitLine(`${'p'.repeat(30)}\x1b[31m`, 10)).toBe(`${'p'.repeat(9)}…`);
  });

  it('leaves lines with other characters to Ink (their width depends on the terminal)', () => {
    expect(fitLine('héllo', 20)).toBeUndefined();
    expect(fitLine('日本', 20)).toBeUndefined();
    expect(fitLine('tab\there', 20)).toBeUndefined();
  });
});

describe('NO_COLOR', () => {
  it('turns colour off when set and not empty (no-color.org)', () => {
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled({})).toBe(true);
  });

  it('becomes FORCE_COLOR=0 for chalk as soon as the bootstrap module loads', async () => {
    vi.stubEnv('NO_COLOR', '1');
    vi.stubEnv('FORCE_COLOR', undefined);
    vi.resetModules();
    await import('../../source/ui/no-color.js');
    expect(process.env.FORCE_COLOR).toBe('0');
    vi.unstubAllEnvs();
  });
});
