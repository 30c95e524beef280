// The stub Claude Code / codex CLIs of test/fixtures/stub-agents/ on PATH for one test file, with
// a scratch directory for their run counters ($STUB_AGENT_DIR); both undone after the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { FleetEvent } from '../../source/core/events.js';

const STUBS = new URL('../fixtures/stub-agents/', import.meta.url).pathname;

/**
 * `dir` first on PATH and a fresh scratch directory for one test file, both undone after it, with
 * `vars` (set by the test or its stubs) back as they were; returns the scratch directory's getter.
 */
export function useBinOnPath(dir: string, prefix: string, vars: readonly string[] = []): () => string {
  const saved = { path: process.env.PATH, vars: vars.map((name) => [name, process.env[name]] as const) };
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), prefix));
    process.env.PATH = `${dir}${delimiter}${saved.path}`;
  });
  afterAll(() => {
    process.env.PATH = saved.path;
    for (const [name, value] of saved.vars) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(scratch, { recursive: true, force: true });
  });
  return () => scratch;
}

export function useStubAgents(): void {
  const scratch = useBinOnPath(STUBS, 'fleet-stub-agents-', ['STUB_AGENT_DIR']);
  beforeAll(() => {
    process.env.STUB_AGENT_DIR = scratch();
  });
}

/** The JSON event lines of a `--json` run's stdout. */
export function jsonEvents(out: string): FleetEvent[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FleetEvent);
}
