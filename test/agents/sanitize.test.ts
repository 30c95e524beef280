import { describe, expect, it } from 'vitest';
import { OutputSanitizer, sanitizeText } from '../../source/agents/sanitize.js';

const ESC = '\x1b';

/** Hostile agent output → what may reach the terminal. Only SGR survives. */
const CORPUS: [name: string, input: string, expected: string[]][] = [
  ['plain text', 'hello\nworld\n', ['hello', 'world']],
  ['SGR colour kept', `${ESC}[31mred${ESC}[0m\n`, [`${ESC}[31mred${ESC}[0m`]],
  ['SGR 256/truecolor kept', `${ESC}[38;5;196mx${ESC}[38:2::1:2:3my\n`, [`${ESC}[38;5;196mx${ESC}[38:2::1:2:3my`]],
  ['cursor movement dropped', `a${ESC}[2Ab${ESC}[10;20Hc${ESC}[5Gd\n`, ['abcd']],
  ['screen and line clears dropped', `${ESC}[2J${ESC}[3J${ESC}[Ka${ESC}[1Kb\n`, ['ab']],
  ['private modes dropped (alt screen, mouse, cursor hide)', `${ESC}[?1049h${ESC}[?1000h${ESC}[?25lx\n`, ['x']],
  ['OSC title (BEL) dropped', `${ESC}]0;PWNED\x07ok\n`, ['ok']],
  ['OSC title (ST) dropped', `${ESC}]2;PWNED${ESC}\\ok\n`, ['ok']],
  ['OSC 52 clipboard dropped', `${ESC}]52;c;cm0gLXJmIC8=\x07ok\n`, ['ok']],
  ['OSC 8 hyperlink dropped, text kept', `${ESC}]8;;https://evil.invalid${ESC}\\click${ESC}]8;;${ESC}\\\n`, ['click']],
  ['DCS dropped', `${ESC}Pq#0;2;0;0;0#0~~${ESC}\\ok\n`, ['ok']],
  ['APC dropped', `${ESC}_Gf=100;AAAA${ESC}\\ok\n`, ['ok']],
  ['PM and SOS dropped', `${ESC}^private${ESC}\\${ESC}Xsos${ESC}\\ok\n`, ['ok']],
  ['C1 CSI (0x9b) dropped', 'a\x9b2Jb\n', ['ab']],
  ['C1 OSC (0x9d) dropped', 'a\x9d0;title\x9cb\n', ['ab']],
  ['bell, backspace, NUL, DEL dropped', 'a\x07b\x08c\x00d\x7fe\n', ['abcde']],
  ['two-character escapes dropped (reset, save cursor, keypad)', `${ESC}ca${ESC}7b${ESC}=c${ESC}(Bd\n`, ['abcd']],
  ['carriage-return progress collapses to its last state', '10%\r20%\r30%\n', ['30%']],
  ['shorter overwrite keeps the tail of the old line', 'downloading 100\rdone\n', ['doneloading 100']],
  ['CRLF line ends kept as plain lines', 'one\r\ntwo\r\n', ['one', 'two']],
  ['tab expanded', 'a\tb\n', ['a  b']],
  ['malformed CSI dropped', `a${ESC}[12;\x01b\n`, ['ab']],
  ['unterminated OSC swallows to the end of the input, not beyond the next write', `${ESC}]0;never ends`, []],
  ['unicode kept', 'héllo ✓ 日本\n', ['héllo ✓ 日本']],
  ['last line without newline flushed', 'partial', ['partial']],
];

describe('agent output sanitizer', () => {
  it.each(CORPUS)('%s', (_name, input, expected) => {
    expect(sanitizeText(input)).toEqual(expected);
  });

  it('keeps state across chunks, so a sequence split mid-way is still removed', () => {
    const s = new OutputSanitizer();
    const input = `a${ESC}]0;PW`;
    expect(s.push(input)).toEqual([]);
    expect(s.push(`NED\x07b${ESC}[`)).toEqual([]);
    expect(s.push('31mc\n')).toEqual([`ab${ESC}[31mc`]);
  });

  it('lets nothing but SGR through, whatever bytes an agent prints', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const fragments = [ESC, '[', ']', 'P', '_', '^', 'X', '\\', '\x07', '\x9b', '\x9d', '\x9c', '\r', '\n', '\t', '\b', '0', ';', 'm', 'H', 'J', '?', '1049h', 'a', 'é', '\x00', '\x7f', '\x85'];
    for (let round = 0; round < 200; round++) {
      let input = '';
      for (let i = 0; i < 200; i++) input += fragments[Math.floor(random() * fragments.length)];
      for (const line of sanitizeText(input)) {
        const withoutSgr = line.replace(/\x1b\[[0-9;:]*m/g, '');
        expect(withoutSgr).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      }
    }
  });

  it('gives the same lines whether a line arrives whole or one character at a time', () => {
    // Whole lines take a shortcut when they need no change; fed a character at a time, every
    // line goes through the character parser. Both must agree, at the edges of the shortcut too.
    const edges = [
      `${ESC}[${'1;'.repeat(128)}1m long but accepted SGR\n`,
      `${ESC}[${'1;'.repeat(129)}m too long SGR\n`,
      `${'y'.repeat(4096)}\n${'z'.repeat(4097)}\n`,
      `after\rover\nnext\n\n\nend${ESC}[1m\n`,
    ];
    let seed = 777;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const fragments = [ESC, '[', ']', '\x07', '\x9b', '\r', '\n', '\n', '\t', '0', ';', 'm', 'H', 'text ', 'é', '日', '\x00', '\x85', `${ESC}[32m`, `${ESC}[0m`];
    const inputs = [...edges];
    for (let round = 0; round < 200; round++) {
      let input = '';
      for (let i = 0; i < 100; i++) input += fragments[Math.floor(random() * fragments.length)];
      inputs.push(input);
    }
    for (const input of inputs) {
      const byChar = new OutputSanitizer();
      const charLines = [...input].flatMap((ch) => byChar.push(ch));
      expect(new OutputSanitizer().push(input)).toEqual(charLines);
    }
  });

  it('caps a line that never ends', () => {
    const lines = sanitizeText(`${'x'.repeat(100_000)}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThanOrEqual(4096);
  });
});
