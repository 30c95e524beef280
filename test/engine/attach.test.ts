import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../source/commands/run.js';
import { RemoteView } from '../../source/commands/support/remote-view.js';
import { runPaths, stateDirFor } from '../../source/engine/host/paths.js';
import { tempRepos } from '../helpers/repo.js';
import { agent, Capture, lastRun, until as waitUntil, writeFleet } from '../helpers/fleet.js';

const repo = tempRepos();

const until = (what: string, ok: () => boolean) => waitUntil(what, ok, { everyMs: 25 });

describe('attaching to a live run', () => {
  it('mirrors state and the watched task\'s output, and carries commands back', async () => {
    const r = repo();
    writeFleet(r.dir, `version: 1\ntasks:\n  - { id: slow, run: "${agent('sleep', '60', 'slow.txt')}" }\n`);
    const out = new Capture();
    const done = runCommand({ file: join(r.dir, 'fleet.yaml'), stdout: out, stderr: out });
    await until('the agent to start', () => out.text.includes('slow │ working 0'));
    const state = await lastRun(r.dir);
    const socketFile = join(runPaths(await stateDirFor(join(r.dir, 'fleet.yaml')), state.runId).runDir, 'socket');
    const socket = readFileSync(socketFile, 'utf8');
    expect((statSync(dirname(socket)).mode & 0o777).toString(8)).toBe('700');

    const view = await RemoteView.connect(socket);
    expect(view.getState().tasks.slow!.state).toBe('running');
    expect(view.info().runId).toBe(state.runId);
    await until('output lines', () => view.getLines('slow').some((l) => l.startsWith('working')));
    expect(view.logFile('slow')).toMatch(/slow\/1\/agent\.log$/);

    const result = await view.send({ action: 'cancel', key: 'slow' });
    expect(result).toEqual({ ok: true, message: expect.stringContaining('slow cancelled') });
    await until('the cancel event', () => view.getState().tasks.slow!.state === 'cancelled');
    expect(await done).toBe(1);
    await view.whenClosed();
    expect(view.closed).toBe('the run has nothing left to do');
  });

  it('refuses a socket directory other users can reach', async () => {
    const { mkdtempSync, chmodSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { createServer } = await import('node:net');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sock-'));
    chmodSync(dir, 0o755);
    const path = join(dir, 's.sock');
    const server = createServer().listen(path);
    await new Promise((r) => server.once('listening', r));
    try {
      await expect(RemoteView.connect(path)).rejects.toThrow(/accessible to other users/);
    } finally {
      server.close();
      const { rmSync } = await import('node:fs');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
