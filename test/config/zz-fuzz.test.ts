import { readFileSync } from 'node:fs';
import { it, expect } from 'vitest';
import { ConfigError, parseFleetText } from '../../source/config/load.js';
it('fuzz', () => {
  const valid = readFileSync('fleet.example.yaml', 'utf8');
  const pieces = [':', '-', '[', ']', '{', '}', '&a', '*a', '!', '|', '>', "'", '"', '#', '\t', '\n', ' ', ',', '?', '%', '@', '`', '\u0007', '\uFEFF', '...', '---', '<<', '~', 'null', '1', 'true', '__proto__', '&b [*a, *a]', '\\', '\r', '\u0000'];
  let seed = 7;
  const random = (n: number) => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed % n; };
  const counts: Record<string, number> = {};
  for (let round = 0; round < 30000; round++) {
    let text = valid;
    for (let edits = 1 + random(4); edits > 0; edits--) {
      const at = random(text.length);
      const piece = pieces[random(pieces.length)]!;
      text = random(2) === 0 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + random(20));
    }
    try { parseFleetText(text, '/work/main/fleet.yaml'); counts.ok = (counts.ok ?? 0) + 1; }
    catch (error) {
      if (!(error instanceof ConfigError)) { console.log('NON-CONFIG', String(error), JSON.stringify(text)); throw error; }
      for (const i of error.issues) {
        if (/[\u0000-\u001f\u007f-\u009f]/.test(`${i.path} ${i.message} ${i.hint ?? ''}`) || i.line < 1 || i.col < 1) { console.log('BAD', JSON.stringify(i)); throw new Error('bad'); }
      }
      const m = error.issues[0]!.message.slice(0, 30); counts[m] = (counts[m] ?? 0) + 1;
    }
  }
  console.log(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 40));
  expect(1).toBe(1);
}, 600000);
