import { Command, CommanderError, Option } from 'commander';
import { TASK_ACTIONS } from '../core/actions.js';
import { MAX_CANDIDATES } from '../core/names.js';
import { MAX_CONCURRENCY } from '../config/schema.js';
import { attachCommand } from './attach.js';
import { ACTION_HELP, positive, wholeNumber } from './support/arguments.js';
import { budgetCommand } from './budget.js';
import { cleanCommand } from './clean.js';
import { lsCommand } from './ls.js';
import { demoCommand } from './demo.js';
import { diffCommand } from './diff.js';
import { commentOption, locationOption, type CommentList } from './support/revise-options.js';
import { runOnTerminal } from './support/run-tty.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { taskActionCommand } from './task-action.js';
import { printUserError, UserError } from './support/user-error.js';
import { dropWritesOnceClosed } from './support/closed-output.js';
import { validateCommand } from './validate.js';

/** The full-screen UI needs a terminal on both ends; anything else gets one line per event. */
function onTerminal(): boolean {
  return process.stdout.isTTY === true && process.stdin.isTTY === true;
}

/** Parses argv and runs one command; returns the process exit code (docs/design.md#task-lifecycle). */
export async function main(argv: string[]): Promise<number> {
  dropWritesOnceClosed(process.stdout);
  dropWritesOnceClosed(process.stderr);
  let code = 0;
  const set = (p: Promise<number>) => p.then((c) => void (code = c));
  const program = new Command('fleet')
    .description('Run many AI coding agents in parallel on git repositories, safely.')
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions()
    .exitOverride();

  const runOptions = (cmd: Command) =>
    cmd
      .option('-f, --file <file>', 'fleet file', undefined)
      .addOption(new Option('-j, --concurrency <n>', 'agents running at once').argParser(wholeNumber(1, MAX_CONCURRENCY)))
      .option('--headless', 'one line per event instead of the full-screen UI')
      .option('--json', 'one JSON object per event (docs/events.md)')
      .option('--fresh', "archive the last run's unmerged work and start a new run")
      .addOption(new Option('--daemon', 'background engine of the terminal UI').hideHelp())
      .addOption(new Option('--ready-file <path>', 'where the daemon says it serves').hideHelp());
  type RunFlags = { file?: string; concurrency?: number; headless?: boolean; json?: boolean; fresh?: boolean; daemon?: boolean; readyFile?: string };
  const run = (o: RunFlags) => {
    if (!o.headless && !o.json && !o.daemon && onTerminal()) {
      const argv = [...(o.concurrency ? ['-j', String(o.concurrency)] : []), ...(o.fresh ? ['--fresh'] : [])];
      return set(runOnTerminal({ file: o.file, argv }));
    }
    return set(runCommand({ file: o.file, concurrency: o.concurrency, json: o.json, fresh: o.fresh, daemon: o.daemon, readyFile: o.readyFile }));
  };

  runOptions(program).action((o: RunFlags) => run(o));
  runOptions(program.command('run').description('run or resume the tasks of a fleet file')).action((o: RunFlags) => run(o));
  program
    .command('validate')
    .description('check the fleet file and print the plan (waves, critical path)')
    .option('-f, --file <file>', 'fleet file')
    .action((o: { file?: string }) => set(validateCommand({ file: o.file })));
  program
    .command('status')
    .description('state of the current or last run, from disk')
    .option('-f, --file <file>', 'fleet file')
    .option('--json', 'machine-readable')
    .action((o: { file?: string; json?: boolean }) => set(statusCommand(o)));
  program
    .command('attach')
    .description('bring the UI back to a run that is still going')
    .option('-f, --file <file>', 'fleet file')
    .action((o: { file?: string }) => set(attachCommand(o)));
  program
    .command('ls')
    .description('every fleet run on this machine: status, task counts, worktrees and their disk use')
    .option('--json', 'machine-readable')
    .action((o: { json?: boolean }) => set(lsCommand({ json: o.json })));
  program
    .command('clean')
    .description('remove worktrees, branches and refs fleet left behind (work is archived first)')
    .option('-f, --file <file>', 'also clean the projects of this fleet file (default: ./fleet.yaml)')
    .option('-n, --dry-run', 'say what would be done, change nothing')
    .option('--all', 'every repository in the registry, not just this one')
    .option('--archives-older-than <age>', 'also delete archives older than AGE (e.g. 30d, 2w)')
    .action((o: { file?: string; dryRun?: boolean; all?: boolean; archivesOlderThan?: string }) =>
      set(cleanCommand({ file: o.file, dryRun: o.dryRun, all: o.all, archivesOlderThan: o.archivesOlderThan })),
    );
  program
    .command('demo')
    .description('a real run on a throwaway repo with scripted agents (no agent CLI needed)')
    .action(() => set(demoCommand({ terminal: onTerminal() })));
  program
    .command('pick')
    .argument('<id>')
    // Parsed by commander, so a bad number is refused with its sentence and the usage hint.
    .argument('[n]', 'the candidate to merge', wholeNumber(1, MAX_CANDIDATES, 'a candidate number'))
    .description(ACTION_HELP.pick)
    .option('-f, --file <file>', 'fleet file')
    .action((id: string, n: number | undefined, o: { file?: string }) => set(taskActionCommand('pick', [id], { file: o.file, candidate: n })));
  program
    .command('budget')
    .description("change the run's spending cap, live or for the next fleet run")
    .option('--usd <n>', 'cap in US dollars', positive)
    .option('--tokens <n>', 'cap in tokens (input plus output)', wholeNumber(1, Infinity, 'a whole number of tokens'))
    .option('-f, --file <file>', 'fleet file')
    .action((o: { usd?: number; tokens?: number; file?: string }) => set(budgetCommand(o)));
  program
    .command('diff <id>')
    .description("a task's change against its base: git's own diff (the merge for a merged task)")
    .option('-f, --file <file>', 'fleet file')
    .option('--stat', 'only the summary of changed files')
    .option('--attempt <n>', 'an archived attempt instead of the current work', wholeNumber(1))
    .action((id: string, o: { file?: string; stat?: boolean; attempt?: number }) => set(diffCommand(id, o)));
  const comments: CommentList = [];
  program
    .command('revise <id>')
    .description(ACTION_HELP.revise)
    .option('-f, --file <file>', 'fleet file')
    .requiredOption('-m, --message <text>', 'a comment (repeat for several)', commentOption(comments))
    .option('--at <file:line>', 'where the comment before it applies (repeat after each -m)', locationOption(comments))
    .action((id: string, o: { file?: string }) => set(taskActionCommand('revise', [id], { file: o.file, comments })));
  for (const action of TASK_ACTIONS.filter((a) => a !== 'pick' && a !== 'revise')) {
    program
      .command(`${action} <ids...>`)
      .description(ACTION_HELP[action])
      .option('-f, --file <file>', 'fleet file')
      .action((ids: string[], o: { file?: string }) => set(taskActionCommand(action, ids, { file: o.file })));
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError) {
      printUserError(error);
      return error.exitCode;
    }
    throw error;
  }
}
