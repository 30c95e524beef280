import { describe, expect, it } from 'vitest';
import { LateLines } from '../../source/ui/late-lines.js';

describe('LateLines', () => {
  it('gives a line the same three-column marker while it is on screen, another line another', () => {
    const late = new LateLines();
    const a = late.mark('alpha');
    expect([...a]).toHaveLength(3);
    expect(late.mark('alpha')).toBe(a);
    expect(late.mark('beta')).not.toBe(a);
  });

  it('puts each line back in place of its marker, coloured ones reset at their end', () => {
    const late = new LateLines();
    const plain = late.mark('plain text');
    const red = late.mark('\x1b[31mred\x1b[0m tail');
    expect(late.fill(`│${plain}\r\n│${red}\r\n│${plain}`)).toBe('│plain text\r\n│\x1b[31mred\x1b[0m tail\x1b[0m\r\n│plain text');
    expect(late.fill('\x1b[?2026h')).toBe('\x1b[?2026h');
  });

  it('forgets lines the last frame did not show, so a flood of output does not pile up', () => {
    const late = new LateLines();
    const old = late.mark('old');
    const kept = late.mark('kept');
    late.fill(`frame ${kept}`);
    expect(late.mark('kept')).toBe(kept);
    expect(late.fill(old)).toBe(''); // a marker it no longer knows draws nothing
    expect(late.mark('old')).not.toBe(old);
  });

  it('passes writes through to the stream and everything else straight to it', () => {
    const written: unknown[] = [];
    const stdout = { columns: 90, isTTY: true, write: (chunk: unknown) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    const late = new LateLines();
    const stream = late.stream(stdout);
    expect(stream.columns).toBe(90);
    stream.write(`> ${late.mark('line')}`);
    expect(written).toEqual(['> line']);
  });
});
