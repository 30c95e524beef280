import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { ConfigError, formatIssue, loadFleetFile } from '../../source/config/load.js';
it('prints', () => {
  const dir = join(import.meta.dirname, 'corpus');
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const t = Date.now();
    try { loadFleetFile(join(dir, f)); out.push(`${f}: NO ERROR`); }
    catch (e) { if (e instanceof ConfigError) out.push(`${f} (${Date.now() - t}ms, ${e.issues.length}): ${formatIssue(e.issues[0]!)}${e.issues[0]!.hint ? `\n      hint: ${e.issues[0]!.hint}` : ''}`); else out.push(`${f}: THREW ${String(e)}`); }
  }
  console.log(out.join('\n'));
});
