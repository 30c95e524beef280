// Runs before every test file: each file gets its own HOME and XDG dirs so nothing a test does
// reaches the real user's config or state, and git never reads the machine's global config.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const home = mkdtempSync(join(tmpdir(), 'fleet-test-home-'));
process.env.HOME = home;
process.env.XDG_STATE_HOME = join(home, 'state');
process.env.XDG_RUNTIME_DIR = join(home, 'run');
process.env.XDG_CONFIG_HOME = join(home, 'config');
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.GIT_AUTHOR_NAME = 'Fleet Test';
process.env.GIT_AUTHOR_EMAIL = 'test@fleet.invalid';
process.env.GIT_COMMITTER_NAME = 'Fleet Test';
process.env.GIT_COMMITTER_EMAIL = 'test@fleet.invalid';
delete process.env.GIT_DIR;
delete process.env.GIT_WORK_TREE;
delete process.env.NO_COLOR;

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});
