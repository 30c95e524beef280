// Builds bench/data/ky/ for bench/replay.mjs from a clone of sindresorhus/ky (MIT, its license is
// copied beside the data): the tree before the last N commits as a one-commit git bundle, those
// commits as `git format-patch` files, and dag.json (per patch: the files it touches and the
// earlier patches it depends on). Run again to refresh the data from a newer ky:
//
//   node bench/replay-vendor.mjs /path/to/ky [N=40]
//
// The history must be linear over those commits (ky's is), so that applying the patches in order
// reproduces the tip. media/ (a 155 KB logo.ai and svgs) is left out of the base: no patch touches
// it and it would triple the bundle. The expected result (ky's tip tree without media/) is
// computed here by applying every patch in order, checked against ky's tip, and stored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DROP = 'media';
const src = process.argv[2];
const n = Number(process.argv[3] ?? 40);
if (!src) {
  console.error('usage: node bench/replay-vendor.mjs /path/to/ky [N]');
  process.exit(2);
}
const out = new URL('data/ky/', import.meta.url).pathname;
const gitIn = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
const s = (...args) => gitIn(src, ...args);

const tip = s('rev-parse', 'HEAD');
const base = s('rev-parse', `HEAD~${n}`);
if (s('rev-list', '--merges', `${base}..${tip}`) !== '') throw new Error('merge commits in the range: the replay needs a linear history');
const commits = s('rev-list', '--reverse', `${base}..${tip}`).split('\n');

const tmp = mkdtempSync(join(tmpdir(), 'ky-vendor-'));
try {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'patches'), { recursive: true });
  const repo = join(tmp, 'repo');
  gitIn(tmp, 'init', '-q', '-b', 'main', repo);
  execFileSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3" && rm -rf "$3/${DROP}"`, 'sh', src, base, repo]);
  const g = (...args) => gitIn(repo, ...args);
  g('add', '-A');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'ky', GIT_AUTHOR_EMAIL: 'ky@replay.invalid', GIT_COMMITTER_NAME: 'ky', GIT_COMMITTER_EMAIL: 'ky@replay.invalid', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  execFileSync('git', ['commit', '-q', '-m', `ky at ${base} without ${DROP}/ (base of the replay)`], { cwd: repo, env });
  g('bundle', 'create', '-q', join(out, 'base.bundle'), 'main');

  s('format-patch', '-q', '--binary', '--zero-commit', '--numbered-files', '-o', join(tmp, 'patches'), `${base}..${tip}`);
  const tasks = [];
  const lastToucher = new Map(); // file -> id of the latest earlier patch touching it
  commits.forEach((sha, i) => {
    const id = `p${String(i + 1).padStart(2, '0')}`;
    renameSync(join(tmp, 'patches', String(i + 1)), join(out, 'patches', `${id}.patch`));
    // --no-renames: a rename touches both its old and its new path.
    const files = s('diff-tree', '--no-commit-id', '--name-only', '-r', '--no-renames', sha).split('\n').filter(Boolean);
    // Only the latest earlier patch per file: the same order as depending on all of them (each
    // file's patches form a chain), with far fewer edges.
    const deps = [...new Set(files.map((f) => lastToucher.get(f)).filter(Boolean))].sort();
    for (const f of files) lastToucher.set(f, id);
    tasks.push({ id, commit: sha, subject: s('log', '-1', '--format=%s', sha), files, deps });
    g('apply', '--index', join(out, 'patches', `${id}.patch`));
  });
  const expectedTree = g('write-tree');
  // ky's own tip without media/, through a temporary index so nothing in either repo changes.
  const idx = join(tmp, 'index');
  const withIdx = { ...process.env, GIT_INDEX_FILE: idx };
  execFileSync('git', ['read-tree', tip], { cwd: src, env: withIdx });
  execFileSync('git', ['rm', '-r', '-q', '--cached', DROP], { cwd: src, env: withIdx });
  const tipTree = execFileSync('git', ['write-tree'], { cwd: src, env: withIdx, encoding: 'utf8' }).trim();
  if (tipTree !== expectedTree) throw new Error(`patches applied in order give ${expectedTree}, ky's tip without ${DROP}/ is ${tipTree}`);
  writeFileSync(join(out, 'dag.json'), `${JSON.stringify({ source: 'https://github.com/sindresorhus/ky', base, tip, dropped: [DROP], expectedTree, tasks }, null, 1)}\n`);
  writeFileSync(join(out, 'LICENSE'), `${s('show', `${tip}:license`)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`${out}: ${readdirSync(join(out, 'patches')).length} patches`);
