import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetEvent } from '../core/events.js';
import type { FleetSpec } from '../core/fleet.js';
import { runExitCode } from '../core/selectors.js';
import { replay, type RunState } from '../core/state.js';
import { UserError } from '../core/user-error.js';
import { closeShells, setGitOwner } from '../git/exec.js';
import { localRunner } from '../agents/runner.js';
import { Engine } from './engine.js';
import { drainInbox, InboxWatcher } from './host/inbox.js';
import { logInternalError } from './internal-error.js';
import { startHookNotices } from './notify-hook.js';
import { readJournal, Journal } from './journal.js';
import { waitForLeftoverGit } from './host/leftover-git.js';
import { acquireLock, releaseLock } from './host/lock.js';
import { ensureDir, newRunId } from './host/paths.js';
import { registerRun } from './host/registry.js';
import { resumeInterrupted } from './resume.js';
import { createRun, isFinished, latestRunOf, otherUnfinishedRun, type RunSummary } from './host/runs.js';
import { EngineServer } from './host/server.js';
import { socketPathFor } from './host/socket-path.js';
import { appendToStoppedRun } from './host/stopped-run.js';
import { Store } from './store.js';
import { removeTasks, syncTasks } from './sync-tasks.js';
import { retireTask } from './worktrees/retire.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface OpenRunOptions {
  spec: FleetSpec;
  stateDir: string;
  /** Start a new run even if this file's last one is unfinished (its work is archived first). */
  fresh?: boolean;
  /**
   * Checks that need git and the machine; gets the branches an unfinished run of this file owns
   * (so they are not called strangers) and returns each project's git common dir.
   */
  preflight(ownBranches: ((project: string) => Set<string>) | undefined): Promise<Map<string, string>>;
  /** Every event, with the state after it (printing, `--json`). */
  onEvent?(state: RunState, event: FleetEvent): void;
  /** One line for the user's stderr (warnings, lock takeovers, archives). */
  warn(line: string): void;
  /** Stops the run as SIGINT would (tests, demo). */
  signal?: AbortSignal;
}

export type OpenedRun = { kind: 'finished'; run: RunSummary } | { kind: 'open'; session: RunSession };

/**
 * A run's whole lifecycle in one place, in the order that keeps it crash-safe: find the run,
 * preflight, take every repo lock (sorted), supersede or resume, wire store → journal → engine,
 * apply what the inbox recorded while nothing ran, then serve, run, and stop in reverse.
 */
export async function openRun(options: OpenRunOptions): Promise<OpenedRun> {
  const { spec, stateDir } = options;
  const previous = latestRunOf(stateDir, spec.file);
  if (previous && isFinished(previous.state) && !options.fresh) return { kind: 'finished', run: previous };
  const other = otherUnfinishedRun(stateDir, spec.file);
  if (other) {
    throw new UserError(
      `run ${other.meta.runId} of ${other.meta.file} is unfinished in this repository`,
      'finish it (`fleet run -f` that file), or start over with `fleet run --fresh -f` that file',
      3,
    );
  }
  const unfinished = previous && !isFinished(previous.state) ? previous : undefined;
  const resuming = options.fresh ? undefined : unfinished;
  const commonDirs = await options.preflight(unfinished ? ownBranchesOf(unfinished.state) : undefined);

  const runId = resuming?.meta.runId ?? newRunId();
  const locks = lockAll(spec, commonDirs, stateDir, runId, options.warn);
  try {
    // The dead engine's git calls run on after a kill -9 (a checkout half done): nothing here
    // touches the repository before they end. Ours are marked so that the next engine can do the same.
    // An engine that recorded its stop had finished its work first: only a dead one leaves calls behind.
    setGitOwner(runId);
    if (previous && !previous.state.stopped) await waitForLeftoverGit(previous.meta.runId, options.warn);
    if (unfinished && !resuming) await supersede(spec, unfinished, options.warn);
    const paths = resuming?.paths ?? createRun(stateDir, runId, spec.file);
    registerRun({ file: spec.file, stateDir, repos: spec.projects.map((p) => p.path), lastRunId: runId });
    const initial: RunState = resuming ? replay(readJournal(paths.journal)) : replay([]);
    const journal = new Journal(paths.journal);
    const store = new Store(journal, paths.snapshot, initial, (error, event) => {
      logInternalError({ paths }, `a listener of ${event.type}`, error);
    });
    const engine = new Engine({ spec, store, paths, runId });
    const command = spec.notify.command;
    const hooks = command === undefined ? undefined : startHookNotices(store, { command, runId, cwd: spec.dir, runDir: paths.runDir, warn: options.warn });
    const unsubscribe = options.onEvent ? store.subscribe(options.onEvent) : () => undefined;

    const budget = spec.budget && { usd: spec.budget.usd, tokens: spec.budget.tokens };
    engine.emit({ type: 'run_started', runId, file: spec.file, resumed: resuming !== undefined, pid: process.pid, ...(budget && { budget }) });
    const { events, removed } = syncTasks(spec, store.state);
    for (const e of events) engine.emit(e);
    await removeTasks(engine, removed, options.warn);
    const resumeFrom = await resumeInterrupted(engine, store.state);
    await drainInbox(engine, paths.inbox, (lines) => lines.forEach((line) => options.warn(`fleet: recorded action not applied: ${line}`)));
    const inbox = new InboxWatcher(engine, paths.inbox);
    inbox.start();
    const signals = stopOnSignals(options.signal);

    let server: EngineServer | undefined;
    const session: RunSession = {
      runId,
      engine,
      store,
      async serve() {
        server = await serve(engine, paths.runDir, options.warn);
        // "Quit and stop the agents" from the UI: an interrupt while processes run; otherwise the
        // run finishes what it is doing (a merge, a cleanup) and ends normally.
        if (server) server.onShutdown = () => (engine.ctx.jobs.size === 0 ? quit() : signals.trigger());
        return server?.path;
      },
      async untilSettled({ daemon = false } = {}) {
        engine.start(resumeFrom);
        if (daemon && server) await Promise.race([server.nextChange(), signals.promise, sleep(DAEMON_FIRST_CLIENT_MS)]);
        for (;;) {
          const signal = await Promise.race([engine.whenSettled().then(() => undefined), signals.promise]);
          if (signal || !daemon || !server || server.clientCount === 0) return signal;
          // Settled, but a UI is attached: its next command may start work again.
          const next = await Promise.race([server.nextChange().then(() => 'change' as const), signals.promise, quitRequested]);
          if (next !== 'change') return next;
        }
      },
      async stop(signal) {
        signals.dispose();
        inbox.stop();
        let exitCode: number;
        if (signal) {
          await engine.shutdown();
          exitCode = signal === 'SIGTERM' ? 143 : 130;
          engine.emit({ type: 'run_stopped', reason: 'signal', exitCode });
        } else {
          await engine.closeWorktrees();
          exitCode = runExitCode(store.state);
          engine.emit({ type: 'run_stopped', reason: exitCode === 0 ? 'finished' : 'idle', exitCode });
        }
        await server?.close(signal ? 'the run was stopped' : 'the run has nothing left to do');
        await hooks?.close();
        engine.ctx.output.close();
        store.flush();
        journal.close();
        unsubscribe();
        for (const lock of locks) releaseLock(lock);
        setGitOwner(undefined);
        await closeShells();
        return exitCode;
      },
    };
    let quit!: () => void;
    const quitRequested = new Promise<undefined>((resolve) => (quit = () => resolve(undefined)));
    return { kind: 'open', session };
  } catch (error) {
    for (const lock of locks) releaseLock(lock);
    setGitOwner(undefined);
    throw error;
  }
}

export interface RunSession {
  readonly runId: string;
  readonly engine: Engine;
  readonly store: Store;
  /** Serves the run to `fleet attach` over its socket; undefined when no safe socket directory exists. */
  serve(): Promise<string | undefined>;
  /**
   * Starts the engine and resolves once nothing can progress without a human, or with the signal
   * that stopped it. A daemon stays up while a UI is attached, since its next command may start work.
   */
  untilSettled(options?: { daemon?: boolean }): Promise<StopSignal | undefined>;
  /** Stops in reverse order of opening (engine, server, store, journal, locks); returns the exit code. */
  stop(signal: StopSignal | undefined): Promise<number>;
}

/**
 * One fleet per repo: the lock in every project's common dir (and in the state dir, where
 * `status` and the task actions look for the live engine), taken in sorted order.
 */
function lockAll(spec: FleetSpec, commonDirs: Map<string, string>, stateDir: string, runId: string, warn: (line: string) => void): string[] {
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
    if (result.tookOverFrom) warn(`fleet: took over the stale lock of pid ${result.tookOverFrom.pid} (run ${result.tookOverFrom.runId}), which is no longer running`);
    taken.push(path);
  }
  return taken;
}

/** Branches an unfinished run still owns, so preflight does not call them strangers. */
function ownBranchesOf(state: RunState): (project: string) => Set<string> {
  return (project) => new Set(state.order.map((k) => state.tasks[k]!).filter((t) => t.project === project).map((t) => t.id));
}

/**
 * `--fresh`: the old run's unmerged work is archived, its worktrees and branches removed, and it
 * ends as superseded. Work that cannot be archived stops the new run before anything is removed
 * of that task: a user error naming the task, never a crash.
 */
async function supersede(spec: FleetSpec, previous: RunSummary, warn: (line: string) => void): Promise<void> {
  const runId = previous.meta.runId;
  for (const key of previous.state.order) {
    const t = previous.state.tasks[key]!;
    const project = spec.projects.find((p) => p.name === t.project);
    if (!project) continue;
    const kept = await retireTask(t, { runner: localRunner, project, runId, why: 'run superseded', naming: 'attempt', dropRunRefs: false }).catch((error: Error) => {
      throw new UserError(
        `cannot start over: ${key} of run ${runId} could not be archived, so nothing of it was removed: ${error.message}`,
        `its worktree and branch are as they were; fix what the message names, then \`fleet run --fresh\` again`,
        3,
      );
    });
    if (kept.attempt) warn(`fleet: archived ${key} of run ${runId} at ${kept.attempt}`);
    for (const c of kept.candidates) warn(`fleet: archived ${key} candidate ${c.n} of run ${runId} at ${c.ref}`);
  }
  appendToStoppedRun(previous.paths, [{ type: 'run_stopped', at: Date.now(), reason: 'superseded', exitCode: runExitCode(previous.state) }]);
}

const DAEMON_FIRST_CLIENT_MS = 10_000;
const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref());

/** Serves the run to `fleet attach`; without a safe socket directory the run goes on unserved. */
async function serve(engine: Engine, runDir: string, warn: (line: string) => void): Promise<EngineServer | undefined> {
  const server = new EngineServer(engine, socketPathFor(engine.ctx.paths.stateDir, engine.ctx.runId));
  try {
    await server.listen();
    writeFileSync(join(runDir, 'socket'), server.path);
    return server;
  } catch (error) {
    warn(`warning: \`fleet attach\` will not reach this run: ${(error as Error).message}`);
    return undefined;
  }
}

function stopOnSignals(abort?: AbortSignal): { promise: Promise<StopSignal>; trigger: () => void; dispose: () => void } {
  let resolve!: (s: StopSignal) => void;
  const promise = new Promise<StopSignal>((r) => (resolve = r));
  const onInt = () => resolve('SIGINT');
  const onTerm = () => resolve('SIGTERM');
  const onHup = () => undefined; // headless ignores hang-ups; agents run detached anyway
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
