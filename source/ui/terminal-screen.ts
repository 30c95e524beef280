// The terminal around the UI: Ink 6 has no alternate-screen option (docs/ui.md#terminal-facts), so
// fleet enters it by hand and must leave it, with the cursor shown, on every way out.

const ENTER = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?7l'; // alternate screen, home, cleared, no auto-wrap
const LEAVE = '\x1b[?7h\x1b[?25h\x1b[?1049l'; // auto-wrap and cursor back, main screen back

interface Streams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

/**
 * Auto-wrap is off while fleet owns the screen: should a line ever measure wider than the
 * terminal thinks (ambiguous-width glyphs), it is clipped instead of wrapping and scrolling the
 * whole frame up. Both methods are idempotent, so every exit path may call leave().
 */
export class TerminalScreen {
  private active = false;

  constructor(private readonly io: Streams) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.io.stdout.write(ENTER);
  }

  leave(): void {
    if (!this.active) return;
    this.active = false;
    // Ink leaves raw mode when it unmounts; after a crash it may not have, and a shell in raw
    // mode is unusable. After a hang-up there is no terminal left to reset.
    try {
      if (this.io.stdin.isTTY) this.io.stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
    this.io.stdout.write(LEAVE);
  }
}

type Signal = 'SIGTERM' | 'SIGHUP';
const SIGNALS: readonly Signal[] = ['SIGTERM', 'SIGHUP'];

/** What guardScreen listens on: the process, or a stand-in in tests. */
export type ProcessEvents = Pick<NodeJS.Process, 'on' | 'off'>;

/**
 * Until the returned function is called: a crash leaves the screen before Node prints the stack
 * (`uncaughtExceptionMonitor` runs first and changes nothing else), so the error lands on the
 * main screen; an exit for any other reason leaves it too. SIGTERM and SIGHUP call `onSignal`,
 * which ends the UI (and leaves the screen) the orderly way; listening also keeps them from
 * killing the process before it has. SIGINT is ignored: in raw mode Ctrl-C is a key (q), and a
 * Ctrl-C typed into a shell or pager the UI handed the terminal to reaches this process too.
 */
export function guardScreen(screen: TerminalScreen, onSignal: (signal: Signal) => void, events: ProcessEvents = process): () => void {
  const leave = () => screen.leave();
  const signalled = SIGNALS.map((signal) => {
    const handler = () => onSignal(signal);
    events.on(signal, handler);
    return [signal, handler] as const;
  });
  const ignore = () => {};
  events.on('SIGINT', ignore);
  events.on('uncaughtExceptionMonitor', leave);
  events.on('exit', leave);
  return () => {
    for (const [signal, handler] of signalled) events.off(signal, handler);
    events.off('SIGINT', ignore);
    events.off('uncaughtExceptionMonitor', leave);
    events.off('exit', leave);
  };
}
