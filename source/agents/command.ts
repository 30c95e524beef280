import { commentPlace, type RevisionComment } from '../core/events.js';
import type { AgentSpec, TaskSpec } from '../core/fleet.js';

/**
 * The argv for a task: its `run` command through sh, or the agent's command with the prompt as one
 * element; with `session`, the agent's resume command continuing that session.
 */
export function taskArgv(task: TaskSpec, agent: AgentSpec | undefined, prompt: string, session?: string): string[] {
  if (task.run !== undefined) return ['sh', '-c', task.run];
  if (!agent) throw new Error(`task ${task.key} uses agent "${task.agent}", which is not defined`);
  const command = session !== undefined && agent.resume ? agent.resume : agent.command;
  const argv = command.map((part) => (part === '{prompt}' ? prompt : part === '{session}' && session !== undefined ? session : part));
  if (task.model === undefined || agent.modelFlag === undefined) return argv;
  // Before `--`, where one ends the options; else last, after every option of the command.
  const end = command.indexOf('--');
  argv.splice(end === -1 ? argv.length : end, 0, agent.modelFlag, task.model);
  return argv;
}

/** Linux caps one environment string at 128 KiB; stay well below so exec never fails on it. */
const PROMPT_ENV_LIMIT = 64 * 1024;

export interface TaskEnvInput {
  task: TaskSpec;
  prompt: string;
  promptFile: string;
  worktree: string;
  branch: string;
  attempt: number;
  runId: string;
  fleetDir: string;
  port: number;
  agentEnv?: Record<string, string>;
}

/** The variables every agent, setup and check process gets (docs/design.md#processes). */
export function taskEnv(input: TaskEnvInput): Record<string, string> {
  const { task } = input;
  const env: Record<string, string> = {
    ...input.agentEnv,
    FLEET_TASK_ID: task.id,
    FLEET_TASK_TITLE: task.title,
    FLEET_WORKTREE: input.worktree,
    FLEET_BRANCH: input.branch,
    FLEET_BASE: task.base,
    FLEET_ATTEMPT: String(input.attempt),
    FLEET_PROJECT: task.project,
    FLEET_FILE_DIR: input.fleetDir,
    FLEET_RUN_ID: input.runId,
    FLEET_PROMPT_FILE: input.promptFile,
    FLEET_PORT: String(input.port),
  };
  if (Buffer.byteLength(input.prompt) <= PROMPT_ENV_LIMIT) env.FLEET_PROMPT = input.prompt;
  if (task.asCandidate !== undefined) env.FLEET_CANDIDATE = String(task.asCandidate);
  if (task.model !== undefined) env.FLEET_MODEL = task.model;
  return env;
}

const FEEDBACK_CAP = 8 * 1024;
/** How much of the gate's output a repair prompt carries. */
const GATE_TAIL_CAP = 6000;
const CUT_MARK = '…';

/**
 * The end of `text` within `cap` bytes, the cut mark included, marked as cut when it had to be.
 * It starts on a whole character: half of one would decode as U+FFFD and break the cap.
 */
function lastBytes(text: string, cap: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= cap) return text;
  let start = bytes.length - Math.max(0, cap - Buffer.byteLength(CUT_MARK));
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++; // a UTF-8 continuation byte
  return `${CUT_MARK}${bytes.subarray(start).toString('utf8')}`;
}

/** The start of `text` within `cap` bytes, the cut mark included; it ends on a whole character. */
function firstBytes(text: string, cap: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= cap) return text;
  let end = Math.max(0, cap - Buffer.byteLength(CUT_MARK));
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // would cut a character after its first byte
  return `${bytes.subarray(0, end).toString('utf8')}${CUT_MARK}`;
}

/** The prompt of a fresh attempt after a failure: the original, then what went wrong, clearly delimited and capped. */
export function promptWithFailure(prompt: string, failure: { attempt: number; summary: string; detail: string } | undefined): string {
  if (!failure) return prompt;
  const detail = lastBytes(failure.detail, FEEDBACK_CAP);
  return [
    prompt,
    '',
    `--- fleet: attempt ${failure.attempt} failed ---`,
    failure.summary,
    detail ? `\n${detail}` : '',
    '--- end of failure report; please fix the cause and complete the task ---',
  ].join('\n');
}

/** `on_gate_failure: agent`: the combined base is merged into the branch; the gate's log says what broke. */
export function repairPrompt(prompt: string, base: string, failure: string, tail: string, conflicts: string[]): string {
  return [
    prompt,
    '',
    '--- fleet: the check failed on the merged result ---',
    `Your change passed its check alone, but failed it once merged with ${base} as it is now.`,
    `A merge of ${base} into this branch is in progress in this worktree${conflicts.length > 0 ? `, with conflicts in: ${conflicts.join(', ')}` : ''}.`,
    `What failed: ${failure}`,
    'The end of the check output:',
    lastBytes(tail, GATE_TAIL_CAP),
    'Fix the combined result so the check passes, keeping the intent of both sides. Do not commit and',
    'do not abort the merge: fleet commits the result and runs the check on it.',
    '--- end of gate report ---',
  ].join('\n');
}

/** The prompt for resolving a conflict with the base inside the task's worktree (docs/design.md#task-lifecycle). */
export function resolvePrompt(prompt: string, base: string, paths: string[]): string {
  return [
    prompt,
    '',
    '--- fleet: merge conflict ---',
    `The branch ${base} moved on while you worked. A merge of ${base} into this branch is in progress`,
    'in this worktree and conflicts in:',
    ...paths.map((p) => `  - ${p}`),
    'Resolve every conflict so the result keeps the intent of both sides, and leave no conflict',
    'markers (<<<<<<<, =======, >>>>>>>). Do not commit and do not abort the merge: fleet commits',
    'the result and runs the check on it.',
    '--- end of conflict report ---',
  ].join('\n');
}

/**
 * The prompt of a revision: the original task, what stopped it last (a failure or a failed gate,
 * with its log), then the user's comments, each with its file:line, between delimiters. What
 * follows the original is capped at 8 KiB (delimiters aside), the comments kept first.
 */
export function revisionPrompt(
  prompt: string,
  comments: readonly RevisionComment[],
  report: { summary: string; detail: string } | undefined,
): string {
  const lines = comments.map((c) => `- ${commentPlace(c) ?? '(general)'}: ${c.text.replace(/\n/g, '\n  ')}`);
  const said = firstBytes(lines.join('\n'), FEEDBACK_CAP);
  const room = FEEDBACK_CAP - Buffer.byteLength(said);
  const last = report && room > 1 ? lastBytes([report.summary, report.detail].filter(Boolean).join('\n\n'), room) : '';
  return [
    prompt,
    '',
    ...(last ? ['--- fleet: where your last run stopped ---', last, '--- end of report ---', ''] : []),
    '--- fleet: review comments on your change in this worktree ---',
    said,
    '--- end of review comments; address each one, then stop (fleet commits and checks the result) ---',
  ].join('\n');
}
