// The stub Claude Code / codex CLIs of test/fixtures/stub-agents/ on PATH for one test file, with
// a scratch directory for their run counters ($STUB_AGENT_DIR); both undone after the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { FleetEvent } from '../../source/core/events.js';

const STUBS = new URL('../fixtures/stub-agents/', import.meta.url).pathname;

export function useStubAgents(): void {
  const saved = { path: process.env.PATH, dir: process.env.STUB_AGENT_DIR };
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'fleet-stub-agents-'));
    process.env.PATH = `${STUBS}${delimiter}${saved.path}`;
    process.env.STUB_AGENT_DIR = scratch;
  });
  afterAll(() => {
    process.env.PATH = saved.path;
    if (saved.dir === undefined) delete process.env.STUB_AGENT_DIR;
    else process.env.STUB_AGENT_DIR = saved.dir;
    rmSync(scratch, { recursive: true, force: true });
  });
}

/** The JSON event lines of a `--json` run's stdout. */
export function jsonEvents(out: string): FleetEvent[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FleetEvent);
}
