import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lsCommand } from '../../source/commands/ls.js';
import { runCommand } from '../../source/commands/run.js';
import { stateDirFor } from '../../source/engine/host/paths.js';
import { listRegistered, registerRun, registryPath } from '../../source/engine/host/registry.js';
import { tempRepos, type TempRepo } from '../helpers/repo.js';
import { agent, Capture, lastRun, runFleet, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(registryPath()), { recursive: true, force: true });
});

/** What `fleet run` records once it is wired to the registry. */
async function register(r: TempRepo): Promise<void> {
  const file = join(r.dir, 'fleet.yaml');
  registerRun({ file, stateDir: await stateDirFor(file), repos: [r.dir], lastRunId: (await lastRun(r.dir)).runId });
}

/** A directory outside every repository, so only the registry leads ls anywhere. */
function nowhere(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-nowhere-')));
  scratch.push(dir);
  return dir;
}

async function ls(json: boolean): Promise<string> {
  const out = new Capture();
  expect(await lsCommand({ json, cwd: nowhere(), stdout: out })).toBe(0);
  return out.text;
}

interface LsJson {
  runs: { file: string; runId: string; status: string; pid: number | null; counts: Record<string, number>; worktrees: { path: string; task: string; bytes: number }[]; bytes: number }[];
  others: unknown[];
  total: { runs: number; live: number; worktrees: number; bytes: number };
}

describe('fleet ls', () => {
  it("lists every registered run across repositories with task counts, the worktrees still on disk and their size", async () => {
    const api = repo();
    writeFleet(api.dir, `version: 1\ndefaults: { retries: 0 }\ntasks:\n  - { id: ok, run: "${agent('edit', 'ok.txt', 'ok')}" }\n  - { id: bad, run: "head -c 200000 /dev/zero > big.bin; exit 4" }\n`);
    expect((await runFleet(api.dir)).code).toBe(1);
    await register(api);
    const web = repo();
    writeFleet(web.dir, `version: 1\ntasks:\n  - { id: page, run: "${agent('edit', 'page.html', '<p>')}" }\n  - { id: style, run: "${agent('edit', 'style.css', 'p {}')}" }\n`);
    expect((await runFleet(web.dir)).code).toBe(0);
    await register(web);
    // An entry whose state dir is gone (its repository was deleted) is not listed.
    registerRun({ file: '/nonexistent/fleet.yaml', stateDir: '/nonexistent/.git/fleet', repos: ['/nonexistent'], lastRunId: 'x' });

    const data = JSON.parse(await ls(true)) as LsJson;
    expect(data.runs.map((r) => r.file).sort()).toEqual([join(api.dir, 'fleet.yaml'), join(web.dir, 'fleet.yaml')].sort());
    const apiRun = data.runs.find((r) => r.file.startsWith(api.dir))!;
    const webRun = data.runs.find((r) => r.file.startsWith(web.dir))!;
    expect(apiRun.status).toBe('unfinished');
    expect(apiRun.counts).toEqual({ merged: 1, failed: 1 });
    expect(apiRun.worktrees.map((w) => [w.path, w.task])).toEqual([[join(api.root, 'repo.worktrees', 'bad'), 'bad']]);
    expect(apiRun.worktrees[0]!.bytes).toBeGreaterThanOrEqual(200_000);
    expect(webRun.status).toBe('finished');
    expect(webRun.counts).toEqual({ merged: 2 });
    expect(webRun.worktrees).toEqual([]);
    expect(data.total).toMatchObject({ runs: 2, live: 0, worktrees: 1, bytes: apiRun.bytes });

    const text = await ls(false);
    expect(text).toContain(`${join(api.dir, 'fleet.yaml')}\n  ${apiRun.runId}  unfinished (exit 1)`);
    expect(text).toContain('2 tasks: 1 merged, 1 failed · 1 worktree');
    expect(text).toContain(`${join(web.dir, 'fleet.yaml')}\n  ${webRun.runId}  finished`);
    expect(text).toMatch(/total: 2 runs \(0 live\), 1 worktree, \d+\.\d KiB\n$/);
  });

  it('shows a live run with its pid, and fleet worktrees that no run on record owns', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '60', 'slow.txt')}" }\n`);
    const out = new Capture();
    const abort = new AbortController();
    const done = runCommand({ file: join(r.dir, 'fleet.yaml'), stdout: out, stderr: out, signal: abort.signal });
    try {
      for (let i = 0; i < 600 && !out.text.includes('slow │ working 0'); i++) await new Promise((res) => setTimeout(res, 50));
      await register(r);
      // A worktree from a run whose records were lost.
      r.git('branch', 'fleet/stray');
      r.git('worktree', 'add', '--lock', '--reason', 'fleet run=20240101-000000-dead task=stray', join(r.root, 'repo.worktrees', 'stray'), 'fleet/stray');

      const data = JSON.parse(await ls(true)) as LsJson & { others: { path: string; runId: string }[] };
      expect(data.runs).toHaveLength(1);
      expect(data.runs[0]).toMatchObject({ status: 'live', pid: process.pid, counts: { running: 1 } });
      expect(data.runs[0]!.worktrees.map((w) => w.task)).toEqual(['slow']);
      expect(data.others).toMatchObject([{ path: join(r.root, 'repo.worktrees', 'stray'), runId: '20240101-000000-dead' }]);
      const text = await ls(false);
      expect(text).toContain(`live (pid ${process.pid})`);
      expect(text).toContain('fleet worktrees with no run on record');
    } finally {
      abort.abort();
      await done;
    }
  });

  it('says so when nothing is recorded', async () => {
    expect(await ls(false)).toBe(`no fleet runs recorded on this machine (registry: ${registryPath()})\n`);
  });
});

describe('the registry', () => {
  it('keeps one entry per fleet file, refreshed by each run, and survives a damaged file', () => {
    const path = registryPath();
    registerRun({ file: '/a/fleet.yaml', stateDir: '/a/.git/fleet', repos: ['/a', '/a'], lastRunId: 'r1' });
    registerRun({ file: '/b/fleet.yaml', stateDir: '/b/.git/fleet', repos: ['/b'], lastRunId: 'r2' });
    registerRun({ file: '/a/fleet.yaml', stateDir: '/a/.git/fleet', repos: ['/a'], lastRunId: 'r3', updatedAt: 5 });
    expect(listRegistered()).toEqual([
      { file: '/a/fleet.yaml', stateDir: '/a/.git/fleet', repos: ['/a'], lastRunId: 'r3', updatedAt: 5 },
      expect.objectContaining({ file: '/b/fleet.yaml', lastRunId: 'r2' }),
    ]);
    expect(path).toBe(join(process.env.XDG_STATE_HOME!, 'fleet', 'registry.json'));

    writeFileSync(path, '{"version":1,"entries":[{"file":');
    expect(listRegistered()).toEqual([]);
    expect(registerRun({ file: '/c/fleet.yaml', stateDir: '/c/.fleet', repos: [], lastRunId: 'r4' })).toBe(true);
    expect(listRegistered().map((e) => e.file)).toEqual(['/c/fleet.yaml']);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
  });

  it('is never a reason for a run to fail: an unwritable location just returns false', () => {
    const dir = nowhere();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    expect(registerRun({ file: '/x', stateDir: '/x', repos: [], lastRunId: 'r' }, join(blocker, 'registry.json'))).toBe(false);
    mkdirSync(join(dir, 'ok'));
    expect(registerRun({ file: '/x', stateDir: '/x', repos: [], lastRunId: 'r' }, join(dir, 'ok', 'registry.json'))).toBe(true);
  });
});
