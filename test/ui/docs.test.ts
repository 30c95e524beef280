import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { appliesTo, TASK_ACTIONS } from '../../source/core/actions.js';
import { helpSections } from '../../source/ui/keys/key-help.js';

/** The keys of docs/ui.md, as the `?` overlay shows them: one table per mode. */
function keyTables(): string {
  return helpSections()
    .map((section) => {
      const rows = section.entries.map((e) => `| ${e.keys.map((k) => `\`${k}\``).join(' ')} | ${e.help.replace(/\|/g, '\\|')} |`);
      return [`**${section.title}**`, '', '| Keys | What they do |', '|---|---|', ...rows].join('\n');
    })
    .join('\n\n');
}

it('docs/ui.md lists every key of every mode exactly as the `?` overlay has it', () => {
  const doc = readFileSync(new URL('../../docs/ui.md', import.meta.url), 'utf8');
  const documented = /<!-- keys:begin -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(doc)?.[1];
  expect(documented, `paste this between the keys markers of docs/ui.md:\n${keyTables()}`).toBe(keyTables());
});

it('docs/ui.md says where each action applies as core/actions.ts does', () => {
  const doc = readFileSync(new URL('../../docs/ui.md', import.meta.url), 'utf8');
  for (const action of TASK_ACTIONS.filter((a) => a !== 'resume')) {
    expect(doc).toMatch(new RegExp(`\\| ${action} \\(\`.\`\\) \\| ${appliesTo(action)} \\|`));
  }
});
