// docs/design.md#performance-bars: a 1000-task file validates and plans in < 1 s. Times `fleet validate` end to end
// (node start-up, yaml, schema, DAG, git preflight) on a layered random DAG.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempRepo } from './lib.mjs';

export function plan(n = 1000, runs = 5) {
  const r = tempRepo();
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = [];
  for (let i = 0; i < n; i++) {
    const deps = [];
    for (let d = 0; d < 3 && i > 0; d++) if (random() < 0.6) deps.push(`t${Math.floor(random() * i)}`);
    lines.push(`  - { id: t${i}, run: "true"${deps.length ? `, depends_on: [${[...new Set(deps)].join(', ')}]` : ''} }`);
  }
  writeFileSync(join(r.dir, 'fleet.yaml'), `version: 1\nconcurrency: 8\ntasks:\n${lines.join('\n')}\n`);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync('node', [CLI, 'validate'], { cwd: r.dir, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  rmSync(r.root, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { tasks: n, medianMs: Math.round(times[Math.floor(runs / 2)]), minMs: Math.round(times[0]) };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(plan()));
