import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { latestRunOf } from '../engine/host/runs.js';
import { stateDirFor } from '../engine/host/paths.js';
import { buildDemoProject } from '../engine/demo-project.js';
import { runCommand } from './run.js';
import { runOnTerminal } from './support/run-tty.js';

export interface DemoOptions {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Where to build the demo; a fresh temp dir by default. */
  dir?: string;
  /** Show the run in the full-screen UI (on a terminal) instead of one line per event. */
  terminal?: boolean;
}

/** `fleet demo`: builds a throwaway repo with scripted agents and runs it for real. */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const root = realpathSync(options.dir ?? mkdtempSync(join(tmpdir(), 'fleet-demo-')));
  const { repo, file } = await buildDemoProject(root);

  out.write(`fleet demo: a throwaway repo at ${repo}\n`);
  out.write('8 scripted tasks: 5 start in parallel, docs waits for greeting and colors, release for docs and flaky;\n');
  out.write('flaky fails its first check and retries; rename edits the line title edits, so it lands in review.\n\n');
  const started = Date.now();
  if (options.terminal) out.write('The UI opens now; press ? for the keys and q when you have seen enough.\n');
  const code = options.terminal ? await runOnTerminal({ file, argv: [] }) : await runCommand({ file, stdout: out, stderr: options.stderr });
  if (code >= 2) return code;

  const state = latestRunOf(await stateDirFor(file), file)?.state;
  const task = (key: string) => state?.tasks[key];
  const merged = ['title', 'greeting', 'colors', 'flaky', 'docs', 'release'].every((k) => task(k)?.state === 'merged');
  const renameInReview = task('rename')?.state === 'review';
  const renameFixed = task('rename')?.state === 'merged' && task('announce')?.state === 'merged';
  const asScripted = merged && (renameInReview || renameFixed) && (task('flaky')?.attempt ?? 0) >= 2;
  out.write(`\nThe demo took ${formatDuration(Date.now() - started)}. ${asScripted ? 'What happened:' : 'It did not go as scripted; `fleet status` in the repo shows why.'}\n`);
  if (asScripted) {
    out.write('  - six tasks merged into main in dependency order, each through the check before main moved;\n');
    out.write(`  - flaky merged on attempt ${task('flaky')?.attempt}, its prompt carrying the failed check of the one before;\n`);
    out.write(
      renameInReview
        ? '  - rename conflicts with title in README.md: it waits in review, and only announce waits with it.\n'
        : '  - rename conflicted with title, was handled from review, and merged; announce followed it.\n',
    );
  }
  out.write(`\nLook around (nothing was deleted; remove ${root} when done):\n`);
  // Started by `npx fleet` (the README's way), the same words work again; else the script's own path.
  const fleet = process.env.npm_command === 'exec' ? 'npx fleet' : `node ${process.argv[1] ?? 'fleet'}`;
  out.write(`  cd ${repo}\n  git log --oneline --graph main\n  ${fleet} status\n`);
  if (renameInReview) out.write(`  ${fleet} retry rename     # a fresh attempt on top of the new main\n`);
  return asScripted ? 0 : 1;
}
