import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeRunCap, capText } from '../../core/budget.js';
import { TASK_ACTIONS, type TaskAction } from '../../core/actions.js';
import type { RevisionComment } from '../../core/events.js';
import { writeFileAtomic } from './atomic-write.js';
import { ActionRefused, applyAction } from '../actions.js';
import type { Engine } from '../engine.js';

/**
 * Actions from other processes (`fleet retry x`, later the attach client) arrive as files in the
 * run's inbox. A live engine applies them within a poll; a stopped run keeps them for the next
 * `fleet run`, which applies them before it schedules anything. One mechanism for both cases.
 */
export interface ActionRequest {
  id: string;
  action: TaskAction | 'pause-all' | 'resume-all' | 'budget';
  keys: string[];
  /** `fleet pick ID N`: the candidate chosen. */
  candidate?: number;
  /** For `budget`: the run's new cap. */
  budget?: { usd?: number; tokens?: number };
  at: number;
  /** What `revise` sends to the agent. */
  comments?: RevisionComment[];
}

export interface ActionResult {
  ok: boolean;
  /** Not applied because the action does not fit the task now (the CLI exits 2, as for a stopped run). */
  refused?: boolean;
  lines: string[];
  /** Of `lines`, those of the keys it could not be applied to (a request may name several). */
  failed?: string[];
}

export function postRequest(inbox: string, action: ActionRequest['action'], keys: string[], extra: Pick<ActionRequest, 'candidate' | 'budget' | 'comments'> = {}): ActionRequest {
  const request: ActionRequest = {
    id: `${Date.now()}-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
    action,
    keys,
    ...extra,
    at: Date.now(),
  };
  const tmp = join(inbox, `.${request.id}.tmp`);
  writeFileSync(tmp, JSON.stringify(request));
  renameSync(tmp, join(inbox, `${request.id}.json`));
  return request;
}

export function resultPath(inbox: string, id: string): string {
  return join(inbox, `${id}.result`);
}

/** Polls for the engine's answer; undefined when none came in time. */
export async function awaitResult(inbox: string, id: string, timeoutMs: number): Promise<ActionResult | undefined> {
  const path = resultPath(inbox, id);
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (existsSync(path)) {
      const result = JSON.parse(readFileSync(path, 'utf8')) as ActionResult;
      unlinkSync(path);
      return result;
    }
  }
  return undefined;
}

function pendingRequests(inbox: string): ActionRequest[] {
  let names: string[];
  try {
    names = readdirSync(inbox).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const requests: ActionRequest[] = [];
  for (const name of names) {
    try {
      requests.push(JSON.parse(readFileSync(join(inbox, name), 'utf8')) as ActionRequest);
    } catch {
      unlinkSync(join(inbox, name)); // not ours, or damaged: drop rather than fail forever
    }
  }
  return requests;
}

export async function applyRequest(engine: Engine, request: ActionRequest): Promise<ActionResult> {
  if (request.action === 'pause-all' || request.action === 'resume-all') {
    const pausing = request.action === 'pause-all';
    if (engine.ctx.store.state.startsPaused !== pausing) engine.emit({ type: pausing ? 'starts_paused' : 'starts_resumed' });
    return { ok: true, lines: [pausing ? 'no new task will start until resumed' : 'tasks start again'] };
  }
  if (request.action === 'budget') {
    const state = engine.ctx.store.state;
    const cap = { ...activeRunCap(state), ...request.budget };
    engine.emit({ type: 'budget_changed', ...cap });
    return { ok: true, lines: [`run budget set to ${capText(cap)}`] };
  }
  if (!(TASK_ACTIONS as readonly string[]).includes(request.action)) return { ok: false, lines: [`unknown action ${request.action}`] };
  const lines: string[] = [];
  const failed: string[] = [];
  let refused = false;
  for (const key of request.keys) {
    try {
      lines.push(await engine.track(applyAction(engine, request.action, key, { candidate: request.candidate, comments: validComments(request.comments) })));
    } catch (error) {
      refused ||= error instanceof ActionRefused;
      failed.push(error instanceof ActionRefused ? error.message : `${request.action} ${key} failed: ${(error as Error).message}`);
      lines.push(failed.at(-1)!);
    }
  }
  if (failed.length === 0) return { ok: true, lines };
  return refused ? { ok: false, refused, lines, failed } : { ok: false, lines, failed };
}

/** Comments as another process wrote them: only well-formed ones reach the agent. */
function validComments(comments: unknown): RevisionComment[] {
  if (!Array.isArray(comments)) return [];
  return comments.filter(
    (c): c is RevisionComment =>
      typeof c === 'object' && c !== null && typeof c.text === 'string' && c.text.trim() !== '' &&
      (c.path === undefined || typeof c.path === 'string') && (c.line === undefined || Number.isInteger(c.line)),
  );
}

/**
 * Applies every waiting request, one at a time, answering each. `failed` hears the lines of each
 * answer that is not ok: a request recorded on a stopped run has nobody waiting for its answer, so
 * the resuming run says it on its own output.
 */
export async function drainInbox(engine: Engine, inbox: string, failed?: (lines: string[]) => void): Promise<void> {
  for (const request of pendingRequests(inbox)) {
    const result = await applyRequest(engine, request);
    if (!result.ok) failed?.(result.failed ?? result.lines);
    writeFileAtomic(resultPath(inbox, request.id), JSON.stringify(result));
    try {
      unlinkSync(join(inbox, `${request.id}.json`));
    } catch {
      // already taken
    }
  }
}

export class InboxWatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly engine: Engine,
    private readonly inbox: string,
  ) {}

  start(pollMs = 300): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void drainInbox(this.engine, this.inbox).finally(() => (this.busy = false));
    }, pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
