// Long crash test (docs/design.md#performance-bars): N random kill -9 of fleet during 20-task runs, each resumed to the end.
// A 20-task run finishes after a few dozen kills (its agents keep working while fleet is dead), so
// the N kills are spread over as many fresh 20-task rounds as it takes. Each round checks
// exactly-once merges, the final tree, no leftovers, git fsck and an untouched dirty checkout.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS, startFleet, tempRepo } from './lib.mjs';

async function round(maxKills, random) {
  const r = tempRepo({ 'README.md': 'readme\n', 'notes.md': 'notes\n' });
  writeFileSync(join(r.dir, 'notes.md'), 'my uncommitted notes\n');
  const ids = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  const tasks = ids.map((id, i) => `  - { id: ${id}, run: "sh ${AGENTS}edit.sh ${id}.txt 'content of ${id}' 0.2"${i >= 5 ? `, depends_on: [${ids[i - 5]}]` : ''} }`);
  writeFileSync(join(r.dir, 'fleet.yaml'), `version: 1\nconcurrency: 4\ndefaults: { retries: 3, check: "true" }\ntasks:\n${tasks.join('\n')}\n`);
  let killed = 0;
  let finishedEarly = 0;
  while (killed < maxKills) {
    const run = startFleet(r.dir);
    await new Promise((res) => setTimeout(res, 100 + random() * 700));
    if (run.child.exitCode !== null) {
      finishedEarly++;
      if ((await run.exit) === 0) break;
      continue;
    }
    run.child.kill('SIGKILL');
    await run.exit;
    killed++;
  }
  let code;
  for (let i = 0; i < 5 && code !== 0; i++) code = await startFleet(r.dir).exit;
  const problems = [];
  if (code !== 0) problems.push(`final run exited ${code}`);
  const log = r.git('log', '--first-parent', '--format=%B%x00', 'main').split('\0');
  for (const id of ids) {
    const n = log.filter((m) => m.trimEnd().endsWith(`Fleet-Task: ${id}`)).length;
    if (n !== 1) problems.push(`${id} merged ${n} times`);
  }
  if (r.git('for-each-ref', 'refs/heads/fleet/') !== '') problems.push('fleet/* branches left');
  if ((r.git('worktree', 'list', '--porcelain').match(/^worktree /gm) ?? []).length !== 1) problems.push('worktrees left');
  if (existsSync(join(r.dir, '.git', 'fleet', 'lock'))) problems.push('lock left');
  try {
    r.git('fsck', '--strict', '--no-progress');
  } catch (e) {
    problems.push(`fsck: ${e.message}`);
  }
  if (readFileSync(join(r.dir, 'notes.md'), 'utf8') !== 'my uncommitted notes\n') problems.push('user checkout altered');
  rmSync(r.root, { recursive: true, force: true });
  return { kills: killed, finishedEarly, problems };
}

export async function chaos(kills = Number(process.env.KILLS ?? 100)) {
  let seed = Number(process.env.SEED ?? 42);
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const started = Date.now();
  const rounds = [];
  for (let total = 0; total < kills; ) {
    const r = await round(kills - total, random);
    rounds.push(r);
    total += r.kills;
    if (r.kills === 0) break;
  }
  const problems = rounds.flatMap((r, i) => r.problems.map((p) => `round ${i + 1}: ${p}`));
  return { kills: rounds.reduce((n, r) => n + r.kills, 0), rounds: rounds.length, tasksMerged: rounds.length * 20, seconds: (Date.now() - started) / 1000, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await chaos();
  console.log(JSON.stringify(result));
  process.exitCode = result.problems.length > 0 ? 1 : 0;
}
