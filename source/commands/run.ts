import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetEvent } from '../core/events.js';
import type { FleetSpec } from '../core/fleet.js';
import { archiveRef, branchName, worktreePath } from '../core/names.js';
import { runExitCode } from '../core/selectors.js';
import { replay, type RunState } from '../core/state.js';
import { archiveAndRemove } from '../git/archive.js';
import { killTask } from '../agents/processes.js';
import { Engine } from '../engine/engine.js';
import { drainInbox, InboxWatcher } from '../engine/inbox.js';
import { readJournal, Journal } from '../engine/journal.js';
import { acquireLock, releaseLock } from '../engine/lock.js';
import { ensureDir, newRunId, stateDirFor } from '../engine/paths.js';
import { resumeInterrupted } from '../engine/resume.js';
import { createRun, isFinished, latestRunOf, otherUnfinishedRun, type RunSummary } from '../engine/runs.js';
import { Store } from '../engine/store.js';
import { registerRun } from '../engine/registry.js';
import { appendToStoppedRun } from '../engine/stopped-run.js';
import { syncTasks } from '../engine/sync-tasks.js';
import { EngineServer } from '../engine/server.js';
import { socketPathFor } from '../engine/socket-path.js';
import { eventLine } from '../ui/event-line.js';
import { summaryLines } from '../ui/summary.js';
import { loadSpec } from './load-spec.js';
import { firstProblem, preflight } from './preflight.js';
import { UserError } from './user-error.js';

export interface RunOptions {
  file?: string;
  concurrency?: number;
  json?: boolean;
  fresh?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Stops the run as SIGINT would (tests, demo). */
  signal?: AbortSignal;
  /** Background engine of the TTY mode: stays up while a UI is attached, even when nothing can progress. */
  daemon?: boolean;
  /** Where the daemon writes its socket path once it serves the run (the terminal UI waits for it). */
  readyFile?: string;
}

/** `fleet run`: start or resume this file's run, headless, until nothing can progress. */
export async function runCommand(options: RunOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let spec = loadSpec(options.file, stderr);
  if (options.concurrency !== undefined) spec = { ...spec, concurrency: options.concurrency };
  const stateDir = ensureDir(await stateDirFor(spec.file));

  const previous = latestRunOf(stateDir, spec.file);
  if (previous && isFinished(previous.state) && !options.fresh) {
    for (const line of summaryLines(previous.state)) stdout.write(`${line}\n`);
    stdout.write('(this run already finished; `fleet run --fresh` starts a new one)\n');
    return previous.state.stopped?.exitCode ?? runExitCode(previous.state);
  }
  const other = otherUnfinishedRun(stateDir, spec.file);
  if (other) {
    throw new UserError(
      `run ${other.meta.runId} of ${other.meta.file} is unfinished in this repository`,
      'finish it (`fleet run -f` that file), or start over with `fleet run --fresh -f` that file',
      3,
    );
  }

  const resuming = previous && !isFinished(previous.state) && !options.fresh ? previous : undefined;
  const unfinished = previous && !isFinished(previous.state) ? previous : undefined;
  const checks = await preflight(spec, { ownBranches: unfinished ? ownBranchesOf(unfinished.state) : undefined });
  const problem = firstProblem(checks);
  if (problem) throw problem;
  for (const w of checks.warnings) stderr.write(`warning: ${w}\n`);

  const runId = resuming?.meta.runId ?? newRunId();
  const locks = lockAll(spec, checks.commonDirs, stateDir, runId, stderr);
  try {
    if (unfinished && !resuming) await supersede(spec, unfinished, stderr);
    const paths = resuming?.paths ?? createRun(stateDir, runId, spec.file);
    registerRun({ file: spec.file, stateDir, repos: spec.projects.map((p) => p.path), lastRunId: runId });
    const initial: RunState = resuming ? replay(readJournal(paths.journal)) : replay([]);
    const journal = new Journal(paths.journal);
    const store = new Store(journal, paths.snapshot, initial);
    const engine = new Engine({ spec, store, paths, runId });
    // The daemon's stdout is daemon.log: agent output is in the task logs already, so it is left out.
    const unsubscribe = store.subscribe((state, event) => {
      if (!(options.daemon && event.type === 'progress')) print(event, state, options.json === true, stdout);
    });

    engine.emit({ type: 'run_started', runId, file: spec.file, resumed: resuming !== undefined, pid: process.pid });
    const { events, removed } = syncTasks(spec, store.state);
    for (const e of events) engine.emit(e);
    for (const key of removed) engine.emit({ type: 'task_removed', key });
    const resumeFrom = await resumeInterrupted(engine, store.state);
    await drainInbox(engine, paths.inbox);

    const inbox = new InboxWatcher(engine, paths.inbox);
    inbox.start();
    const stop = stopOnSignals(options.signal);
    const server = await serve(engine, paths.runDir, stderr);
    // "Quit and stop the agents" from the UI: an interrupt while processes run; otherwise the run
    // finishes what it is doing (a merge, a cleanup) and ends normally.
    let quit!: () => void;
    const quitRequested = new Promise<undefined>((resolve) => (quit = () => resolve(undefined)));
    if (server) server.onShutdown = () => (engine.ctx.jobs.size === 0 ? quit() : stop.trigger());
    if (options.readyFile) writeFileSync(options.readyFile, server?.path ?? 'none');
    engine.start(resumeFrom);
    if (options.daemon && server) await Promise.race([server.nextChange(), stop.promise, sleep(DAEMON_FIRST_CLIENT_MS)]);
    let signal: 'SIGINT' | 'SIGTERM' | undefined;
    for (;;) {
      signal = await Promise.race([engine.whenSettled().then(() => undefined), stop.promise]);
      if (signal || !options.daemon || !server || server.clientCount === 0) break;
      // Settled, but a UI is attached: its next command may start work again.
      if ((await Promise.race([server.nextChange().then(() => 'change' as const), stop.promise, quitRequested])) === undefined) break;
    }
    stop.dispose();
    inbox.stop();

    let exitCode: number;
    if (signal) {
      await engine.shutdown();
      exitCode = signal === 'SIGTERM' ? 143 : 130;
      engine.emit({ type: 'run_stopped', reason: 'signal', exitCode });
    } else {
      await engine.closeQueues();
      exitCode = runExitCode(store.state);
      engine.emit({ type: 'run_stopped', reason: exitCode === 0 ? 'finished' : 'idle', exitCode });
    }
    await server?.close(signal ? 'the run was stopped' : 'the run has nothing left to do');
    engine.ctx.output.close();
    store.flush();
    journal.close();
    unsubscribe();
    if (!options.json) for (const line of summaryLines(store.state)) stdout.write(`${line}\n`);
    return exitCode;
  } finally {
    for (const lock of locks) releaseLock(lock);
  }
}

function print(event: FleetEvent, state: RunState, json: boolean, out: NodeJS.WritableStream): void {
  if (json) {
    out.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const line = eventLine(event, state);
  if (line !== undefined) out.write(`${line}\n`);
}

/**
 * One fleet per repo: the lock in every project's common dir (and in the state dir, where
 * `status` and the task actions look for the live engine), taken in sorted order.
 */
function lockAll(spec: FleetSpec, commonDirs: Map<string, string>, stateDir: string, runId: string, stderr: NodeJS.WritableStream): string[] {
  const taken: string[] = [];
  const dirs = new Set([...commonDirs.values()].map((dir) => join(dir, 'fleet')));
  dirs.add(stateDir);
  for (const dir of [...dirs].sort()) {
    const path = join(ensureDir(dir), 'lock');
    const result = acquireLock(path, { file: spec.file, runId, stateDir });
    if (!result.ok) {
      for (const lock of taken) releaseLock(lock);
      throw new UserError(
        `another fleet (pid ${result.holder.pid}, run ${result.holder.runId} of ${result.holder.file}) is running on this repository`,
        'wait for it, or stop it; `fleet status` shows what it is doing',
        3,
      );
    }
    if (result.tookOverFrom) stderr.write(`fleet: took over the stale lock of pid ${result.tookOverFrom.pid} (run ${result.tookOverFrom.runId}), which is no longer running\n`);
    taken.push(path);
  }
  return taken;
}

/** Branches an unfinished run still owns, so preflight does not call them strangers. */
function ownBranchesOf(state: RunState): (project: string) => Set<string> {
  return (project) => new Set(state.order.map((k) => state.tasks[k]!).filter((t) => t.project === project).map((t) => t.id));
}

/** `--fresh`: the old run's unmerged work is archived, its worktrees and branches removed, and it ends as superseded. */
async function supersede(spec: FleetSpec, previous: RunSummary, stderr: NodeJS.WritableStream): Promise<void> {
  for (const key of previous.state.order) {
    const t = previous.state.tasks[key]!;
    const project = spec.projects.find((p) => p.name === t.project);
    if (!project || t.attempt === 0) continue;
    await killTask(t.pid, { runId: previous.meta.runId, project: t.project, taskId: t.id });
    const archived = await archiveAndRemove(project.path, {
      worktree: t.worktree ?? worktreePath(project.worktreeDir, t.id),
      branch: branchName(t.id),
      ref: archiveRef(t.id, previous.meta.runId, t.attempt),
      message: `fleet: archive of ${key} attempt ${t.attempt} (run superseded)`,
    });
    if (archived) stderr.write(`fleet: archived ${key} of run ${previous.meta.runId} at ${archived}\n`);
  }
  appendToStoppedRun(previous.paths, [{ type: 'run_stopped', at: Date.now(), reason: 'superseded', exitCode: runExitCode(previous.state) }]);
}

const DAEMON_FIRST_CLIENT_MS = 10_000;
const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref());

/** Serves the run to `fleet attach`; without a safe socket directory the run goes on unserved. */
async function serve(engine: Engine, runDir: string, stderr: NodeJS.WritableStream): Promise<EngineServer | undefined> {
  const server = new EngineServer(engine, socketPathFor(engine.ctx.paths.stateDir, engine.ctx.runId));
  try {
    await server.listen();
    writeFileSync(join(runDir, 'socket'), server.path);
    return server;
  } catch (error) {
    stderr.write(`warning: \`fleet attach\` will not reach this run: ${(error as Error).message}\n`);
    return undefined;
  }
}

function stopOnSignals(abort?: AbortSignal): { promise: Promise<'SIGINT' | 'SIGTERM'>; trigger: () => void; dispose: () => void } {
  let resolve!: (s: 'SIGINT' | 'SIGTERM') => void;
  const promise = new Promise<'SIGINT' | 'SIGTERM'>((r) => (resolve = r));
  const onInt = () => resolve('SIGINT');
  const onTerm = () => resolve('SIGTERM');
  const onHup = () => undefined; // headless ignores hang-ups (SPEC §4); agents run detached anyway
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  abort?.addEventListener('abort', onInt);
  return {
    promise,
    trigger: onInt,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      abort?.removeEventListener('abort', onInt);
    },
  };
}
