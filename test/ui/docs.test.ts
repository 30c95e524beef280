import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { BINDINGS, keysOf } from '../../source/ui/keymap.js';

/** The keys table of docs/ui.md, as the keymap says it should read. */
function keyTable(): string {
  const rows = BINDINGS.map((b) => {
    const keys = keysOf(b, 'overlay')
      .split(' ')
      .map((k) => `\`${k}\``)
      .join(' ');
    return `| ${keys} | ${b.help.replace(/\|/g, '\\|')} |`;
  });
  return ['| Keys | What they do |', '|---|---|', ...rows].join('\n');
}

it('docs/ui.md lists every key exactly as the keymap table has it', () => {
  const doc = readFileSync(new URL('../../docs/ui.md', import.meta.url), 'utf8');
  const documented = /<!-- keys:begin -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(doc)?.[1];
  expect(documented, `paste this between the keys markers of docs/ui.md:\n${keyTable()}`).toBe(keyTable());
});
