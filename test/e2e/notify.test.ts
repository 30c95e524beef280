// Notifications as a terminal and a hook receive them: the bytes fleet writes to its terminal are
// recorded with tmux pipe-pane, the hook appends one line per call. Tasks wait for flag files, so
// the test decides when they need the user and when the run can end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, writeFleet } from '../helpers/fleet.js';
import { CLI, fleetEnv, hasTmux, stopEngine, TmuxSession } from './tmux.js';

const sessions: TmuxSession[] = [];
const repos: string[] = [];
const makeRepo = tempRepos();
afterEach(async () => {
  for (const s of sessions.splice(0)) s.kill();
  for (const dir of repos.splice(0)) await stopEngine(dir);
});

const HOOK = `printf '%s|%s|%s\\n' "$FLEET_EVENT" "$FLEET_TASK_ID" "$FLEET_MESSAGE" >> "$HOOK_FILE"`;

interface Setup {
  r: TempRepo;
  go: string;
  end: string;
  hookFile: string;
  bytes: string;
}

/** Three tasks that change nothing once `go` exists (three reviews at once), and one that merges once `end` exists. */
function setup(): Setup {
  const r = makeRepo();
  repos.push(r.dir);
  const go = join(r.root, 'go');
  const end = join(r.root, 'end');
  const tasks = [`  - { id: slow, run: "${agent('wait-for', end, 'slow.txt')}" }`];
  tasks.push(...['a', 'b', 'c'].map((id) => `  - { id: ${id}, run: "${agent('wait-for', go, join(r.root, `out-${id}`))}" }`));
  writeFleet(r.dir, `version: 1\nconcurrency: 4\nnotify:\n  terminal: osc\n  command: ${JSON.stringify(HOOK)}\ntasks:\n${tasks.join('\n')}\n`);
  return { r, go, end, hookFile: join(r.root, 'hook.txt'), bytes: join(r.root, 'bytes') };
}

function start(env: Setup, ...args: string[]): TmuxSession {
  const s = new TmuxSession(['node', CLI, 'run', ...args], { cwd: env.r.dir, cols: 160, rows: 40, env: fleetEnv({ HOOK_FILE: env.hookFile }) });
  sessions.push(s);
  s.record(env.bytes);
  return s;
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
/** The OSC 9 notifications in the recorded bytes, each with the BEL before it. */
const notifications = (bytes: string) => [...bytes.matchAll(/\x07\x1b\]9;([^\x07]*)\x07/g)].map((m) => m[1]!);
const hookLines = (file: string) => read(file).split('\n').filter(Boolean);

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!hasTmux())('notifications in a real terminal', () => {
  it('headless: three tasks needing you at once ring once, the run end once more; the hook fires for each', async () => {
    const env = setup();
    const s = start(env, '--headless');
    for (const id of ['a', 'b', 'c', 'slow']) await s.waitFor(`${id} │ waiting for`);
    writeFileSync(env.go, '');
    const [burst] = await until('the burst hook', () => (hookLines(env.hookFile).length > 0 ? hookLines(env.hookFile) : undefined));
    expect(burst).toMatch(/^needs_you\|[abc] [abc] [abc]\|3 tasks need you: /);
    const rung = await until('the burst in band', () => (notifications(read(env.bytes)).length > 0 ? notifications(read(env.bytes)) : undefined));
    expect(rung).toHaveLength(1);
    expect(rung[0]).toMatch(/^3 tasks need you: /);

    writeFileSync(env.end, '');
    await s.waitFor('[exited 1]');
    const all = notifications(read(env.bytes));
    expect(all).toHaveLength(2);
    expect(all[1]).toMatch(/ended \(idle\): 1 of 4 merged, 3 need you$/);
    const lines = await until('the run-end hook', () => (hookLines(env.hookFile).length === 2 ? hookLines(env.hookFile) : undefined));
    expect(lines[0]).toBe(burst);
    expect(lines[1]).toMatch(/^run_end\|\|fleet run \S+ ended \(idle\)/);
  });

  it('full screen: the UI rings once for the burst, says "3 need you", jumps and sorts by attention; the detached engine runs the hook', async () => {
    const env = setup();
    const s = start(env);
    await s.waitFor(/slow\s+running/);
    writeFileSync(env.go, '');
    await s.waitFor('3 need you');
    await until('the burst hook', () => (hookLines(env.hookFile).length > 0 ? true : undefined));
    const rung = await until('the burst in band', () => (notifications(read(env.bytes)).length > 0 ? notifications(read(env.bytes)) : undefined));
    expect(rung).toEqual([expect.stringMatching(/^3 tasks need you: /)]);

    // The DAG (file) order lists slow first; the attention order puts it, still at work, after the reviews.
    await s.waitFor(/slow +running[\s\S]*a +review[\s\S]*b +review[\s\S]*c +review/);
    s.keys('G');
    await s.waitFor(/›[^a-z\n]*c +review/);
    s.keys('n'); // from the last task, round to the first that needs you
    await s.waitFor(/›[^a-z\n]*a +review/);
    s.keys('s');
    await s.waitFor(/›[^a-z\n]*a +review[\s\S]*b +review[\s\S]*c +review[\s\S]*slow +running/);

    writeFileSync(env.end, '');
    await s.waitFor(/1 merged/);
    s.keys('q');
    await s.waitFor('[exited 1]');
    expect(notifications(read(env.bytes)).filter((n) => n.includes('need you:'))).toHaveLength(1);
    const lines = await until('the run-end hook', () => (hookLines(env.hookFile).length === 2 ? hookLines(env.hookFile) : undefined));
    expect(lines[1]).toMatch(/^run_end\|/);
  });
});
