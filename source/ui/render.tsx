// NO_COLOR must reach chalk before ink loads it. cli.tsx should import this bootstrap first too:
// this import only helps when nothing has loaded ink yet.
import './no-color.js';
import { render } from 'ink';
import { noticeDriver, SYSTEM_CLOCK, terminalBytes } from '../core/notify.js';
import { App } from './components/App.js';
import type { FleetView, Handoff } from './model/fleet-view.js';
import type { UiOutcome } from './keys/keymap.js';
import { LateLines, LateLinesContext } from './late-lines.js';
import { guardScreen, TerminalScreen } from './terminal-screen.js';
import { withStatus } from './model/ui-state.js';
import { UiStore } from './model/ui-store.js';

export type { UiOutcome } from './keys/keymap.js';

export interface RunUiOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Runs a shell, editor or pager on the real terminal; `view.handoff` by default. */
  onHandoff?: (target: Handoff) => Promise<void>;
  /** Time for elapsed times and the header clock; Date.now by default. */
  clock?: () => number;
}

type Step = { kind: 'exit'; outcome: UiOutcome } | { kind: 'handoff'; target: Handoff };

/**
 * Shows the full-screen UI over `view` until the user quits ('quit-stop': stop the agents) or
 * detaches ('detach': leave them running). SIGTERM and SIGHUP end it as a detach: nothing is
 * lost and `fleet attach` comes back; the caller decides what else the signal means. SIGINT is
 * ignored while it runs (Ctrl-C is a key here, and reaches fleet from a handed-off shell too).
 *
 * The alternate screen is entered by hand and left on every way out. A handoff (shell, editor,
 * pager) unmounts Ink (which leaves raw mode), leaves the alternate screen, runs the program,
 * then comes back on a fresh screen with a fresh Ink instance (raw mode, full redraw) over the
 * same UI state, so selection, filter and scroll are as the user left them.
 */
export async function runUi(view: FleetView, options: RunUiOptions = {}): Promise<UiOutcome> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const handoff = options.onHandoff ?? ((target: Handoff) => view.handoff(target));
  const screen = new TerminalScreen({ stdin, stdout });
  const store = new UiStore();
  const late = new LateLines();
  const inkStdout = late.stream(stdout);
  let signalled = false;
  let endMounted: ((step: Step) => void) | undefined;
  // This process owns the terminal, so it rings it; BEL and OSC 9 leave the screen as it was.
  const how = view.info().notify ?? 'off';
  const notices = how === 'off' ? undefined : noticeDriver(view.getState(), SYSTEM_CLOCK, (n) => stdout.write(terminalBytes(n, how)));
  const unwatch = notices ? view.subscribe(() => notices.update(view.getState())) : undefined;
  const unguard = guardScreen(screen, () => {
    signalled = true;
    endMounted?.({ kind: 'exit', outcome: 'detach' });
  });

  const mount = () =>
    new Promise<Step>((resolve, reject) => {
      let step: Step | undefined;
      const end = (next: Step) => {
        if (step) return;
        step = next;
        instance.unmount();
      };
      endMounted = end;
      const instance = render(
        <LateLinesContext.Provider value={late.mark}>
          <App
            view={view}
            store={store}
            clock={options.clock}
            onHandoff={(target) => end({ kind: 'handoff', target })}
            onExit={(outcome) => end({ kind: 'exit', outcome })}
          />
        </LateLinesContext.Provider>,
        // incrementalRendering stays off: in Ink 6.8.0 it moves a frame that is shorter than the
        // terminal (ours is rows - 1) one row down on every update (log-update goes up
        // visibleLines - 1 from below the trailing newline; seen in tmux). Whole frames inside
        // DEC 2026 synchronized output where the terminal has it. maxFps 0: no render throttle in
        // Ink. Run changes are already paced to 10 renders a second (use-fleet-view), so Ink's
        // throttle only ever held keys back: it is a debounce that restarts on every call, so a
        // key within 17 ms of a frame (maxFps 60) waited 17 ms more (docs/ui.md#rendering).
        { stdin, stdout: inkStdout, exitOnCtrlC: false, patchConsole: false, maxFps: 0, incrementalRendering: false },
      );
      instance.waitUntilExit().then(() => resolve(step ?? { kind: 'exit', outcome: 'detach' }), reject);
    }).finally(() => {
      endMounted = undefined;
    });

  screen.enter();
  try {
    while (!signalled) {
      const step = await mount();
      if (step.kind === 'exit') return step.outcome;
      screen.leave();
      try {
        await handoff(step.target);
      } catch (error) {
        store.update((ui) => withStatus(ui, `could not open the ${step.target.kind}: ${(error as Error).message}`));
      } finally {
        screen.enter();
      }
    }
    return 'detach';
  } finally {
    screen.leave();
    unguard();
    unwatch?.();
    notices?.stop();
  }
}
