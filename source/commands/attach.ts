import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExitCode } from '../core/selectors.js';
import { runPaths } from '../engine/host/paths.js';
import { findRun } from './support/find-run.js';
import { RemoteView } from './support/remote-view.js';
import { UserError } from './support/user-error.js';

/** `fleet attach`: the UI for a run whose engine is still going (local or over a new SSH login). */
export async function attachCommand(options: { file?: string }): Promise<number> {
  // The UI reads keys in raw mode and draws a full screen: without a terminal Ink only complains.
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    throw new UserError('fleet attach needs a terminal on both its input and its output', '`fleet status` prints the run\'s state without one', 2);
  }
  const run = await findRun(options.file);
  const socketFile = join(runPaths(run.stateDir, run.meta.runId).runDir, 'socket');
  if (!run.live || !existsSync(socketFile)) {
    throw new UserError(`run ${run.meta.runId} is not running`, '`fleet status` shows how it ended; `fleet run` resumes it', 3);
  }
  return attachTo(readFileSync(socketFile, 'utf8').trim());
}

/** Shows the UI over a live engine until the user quits or detaches. */
export async function attachTo(socket: string): Promise<number> {
  let view: RemoteView;
  try {
    view = await RemoteView.connect(socket);
  } catch (error) {
    throw new UserError(`cannot reach the run's engine: ${(error as Error).message}`, '`fleet status` shows whether it is still running', 3);
  }
  // React's development build keeps a performance entry per render and never frees them: the UI
  // process runs the production build. Loaded here, so headless runs and the engine never load Ink.
  const fleetSetNodeEnv = process.env.NODE_ENV === undefined;
  if (fleetSetNodeEnv) process.env.NODE_ENV = 'production';
  const { runUi } = await import('../ui/render.js');
  view.handoffEnv = fleetSetNodeEnv ? { NODE_ENV: undefined } : {};
  const outcome = await runUi(view);
  if (outcome === 'detach' && !view.closed) {
    view.disconnect();
    const pid = view.getState().pid;
    process.stdout.write(`fleet goes on in the background${pid ? ` (pid ${pid})` : ''}; \`fleet attach\` brings the UI back\n`);
    return 0;
  }
  if (!view.closed) {
    view.shutdown();
    await view.whenClosed();
  }
  return view.getState().stopped?.exitCode ?? runExitCode(view.getState());
}
