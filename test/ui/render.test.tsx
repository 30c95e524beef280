import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it, vi } from 'vitest';

// CI sets CI=true, and Ink then writes only the final frame (it reads the variable once, when it is
// imported). These tests watch the frames a user's terminal gets, so Ink is loaded as it is outside
// CI; the variable is put back for the files that run after this one in the same worker.
const ciBefore = vi.hoisted(() => {
  const before = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return before;
});
afterAll(() => {
  for (const [name, value] of Object.entries(ciBefore)) if (value !== undefined) process.env[name] = value;
});
import type { Handoff } from '../../source/ui/model/fleet-view.js';
import { runUi } from '../../source/ui/render.js';
import { RENDER_INTERVAL_MS } from '../../source/ui/hooks/use-fleet-view.js';
import { guardScreen, TerminalScreen } from '../../source/ui/terminal-screen.js';
import { added, ago, FakeView, NOW, review, started, worktreeOf } from './fake-view.js';
import { tick } from './harness.js';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';

/** A terminal as Ink sees it: a TTY stdin in or out of raw mode, and a stdout of a given size. */
class FakeTerminal {
  readonly writes: string[] = [];
  readonly rawModes: boolean[] = [];
  readonly stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    data: null as string | null,
    setRawMode: (on: boolean) => this.rawModes.push(on),
    setEncoding: () => {},
    ref: () => {},
    unref: () => {},
    resume: () => {},
    pause: () => {},
    read(this: { data: string | null }) {
      const data = this.data;
      this.data = null;
      return data;
    },
  });
  readonly stdout = Object.assign(new EventEmitter(), {
    columns: 100,
    rows: 30,
    write: (chunk: string) => {
      this.writes.push(chunk);
      return true;
    },
  });

  type(data: string): void {
    this.stdin.data = data;
    this.stdin.emit('readable');
  }

  get output(): string {
    return this.writes.join('');
  }

  get inRawMode(): boolean {
    return this.rawModes.at(-1) === true;
  }

  /** Whether the last alternate-screen switch entered it. */
  get onAltScreen(): boolean {
    return this.output.lastIndexOf(ENTER_ALT) > this.output.lastIndexOf(LEAVE_ALT);
  }
}

function start(view: FakeView, term: FakeTerminal, onHandoff: (t: Handoff) => Promise<void> = async () => {}) {
  return runUi(view, {
    stdin: term.stdin as unknown as NodeJS.ReadStream,
    stdout: term.stdout as unknown as NodeJS.WriteStream,
    onHandoff,
    clock: () => NOW,
  });
}

const run = () =>
  new FakeView([
    added('schema'), ...started('schema', ago(1000)),
    added('docs'), ...started('docs', ago(5000)), ...review('docs', ago(100), ['README.md']),
  ]);

/** Resolves after the pending microtasks (React's sync work) have run, before any timer can. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** What was written, without escape sequences. */
function plainText(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** The last task-list row with the selection marker that was written. */
function selectedRow(output: string): string {
  return plainText(output).split('\n').filter((line) => line.startsWith('›')).at(-1) ?? '';
}

describe('runUi', () => {
  it('owns the alternate screen and raw mode until the user detaches, then gives both back', async () => {
    const term = new FakeTerminal();
    const outcome = start(run(), term);
    await tick();
    expect(term.output.startsWith(ENTER_ALT)).toBe(true);
    expect(term.inRawMode).toBe(true);
    term.type('D');
    expect(await outcome).toBe('detach');
    expect(term.onAltScreen).toBe(false);
    expect(term.inRawMode).toBe(false);
    expect(term.output).toContain('\x1b[?25h'); // cursor shown again
  });

  it('draws agent output through Ink by marker and writes the lines themselves, colours kept', async () => {
    const term = new FakeTerminal();
    const view = run();
    view.print('schema', '\x1b[32mok\x1b[0m 12 tests passed', 'plain output line');
    const outcome = start(view, term);
    await tick();
    term.type('D');
    await outcome;
    expect(term.output).toContain('\x1b[32mok\x1b[0m 12 tests passed\x1b[0m');
    expect(term.output).toContain('plain output line');
    expect(term.output).not.toContain('\x10');
  });

  it('draws a key at once, even right after a frame of run changes: nothing waits for a timer', async () => {
    const term = new FakeTerminal();
    const view = run();
    const outcome = start(view, term);
    await tick(RENDER_INTERVAL_MS + 50); // past the run throttle's interval: the next run change publishes at once
    view.emit(added('later'));
    await microtasks();
    expect(plainText(term.output)).toContain('TASKS 3');
    // Ink's render throttle (maxFps 60) restarted a 17 ms timer on this frame and held the key's
    // frame until it fired; only microtasks run here, so the key must be drawn without one.
    const before = selectedRow(term.output);
    term.type('j');
    await microtasks();
    expect(before).toContain('schema');
    expect(selectedRow(term.output)).toContain('docs');
    term.type('D');
    await outcome;
  });

  it('q with nothing at work quits, asking the caller to stop', async () => {
    const term = new FakeTerminal();
    const outcome = start(new FakeView([added('a')]), term);
    await tick();
    term.type('q');
    expect(await outcome).toBe('quit-stop');
  });

  it('a shell handoff gives the terminal back and comes back to the same screen', async () => {
    const term = new FakeTerminal();
    const view = run();
    let finishShell!: () => void;
    const seen: { target: Handoff; raw: boolean; alt: boolean }[] = [];
    const outcome = start(view, term, (target) => {
      seen.push({ target, raw: term.inRawMode, alt: term.onAltScreen });
      return new Promise<void>((resolve) => (finishShell = resolve));
    });
    await tick();
    term.type('j');
    await tick();
    term.type('o');
    await tick();
    expect(seen).toEqual([{ target: { kind: 'shell', cwd: worktreeOf('docs') }, raw: false, alt: false }]);
    const before = term.writes.length;
    finishShell();
    await tick(50);
    expect(term.onAltScreen).toBe(true);
    expect(term.inRawMode).toBe(true);
    expect(term.writes.length).toBeGreaterThan(before);
    term.type('m'); // the selection survived: docs is still the one acted on
    await tick();
    expect(view.sent).toEqual([{ action: 'requeue', key: 'docs' }]);
    term.type('D');
    expect(await outcome).toBe('detach');
  });

  it('a handoff that fails says so on the status line and the UI goes on', async () => {
    const term = new FakeTerminal();
    const outcome = start(run(), term, async () => {
      throw new Error('no $EDITOR');
    });
    await tick();
    term.type('e');
    await tick(50);
    expect(term.onAltScreen).toBe(true);
    term.type('D');
    expect(await outcome).toBe('detach');
    expect(term.output).toContain('could not open the editor: no $EDITOR');
  });

  it('a crash while drawing rejects, with the screen and raw mode given back', async () => {
    const term = new FakeTerminal();
    const view = run();
    view.info = () => {
      throw new Error('engine state unreadable');
    };
    await expect(start(view, term)).rejects.toThrow('engine state unreadable');
    expect(term.onAltScreen).toBe(false);
    expect(term.inRawMode).toBe(false);
  });

  it('SIGHUP ends the UI as a detach and leaves the screen', async () => {
    const term = new FakeTerminal();
    const outcome = start(run(), term);
    await tick();
    process.emit('SIGHUP', 'SIGHUP');
    expect(await outcome).toBe('detach');
    expect(term.onAltScreen).toBe(false);
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });
});

describe('guardScreen', () => {
  const setup = () => {
    const term = new FakeTerminal();
    const screen = new TerminalScreen({ stdin: term.stdin as unknown as NodeJS.ReadStream, stdout: term.stdout as unknown as NodeJS.WriteStream });
    const events = new EventEmitter();
    const signals: string[] = [];
    screen.enter();
    const unguard = guardScreen(screen, (s) => signals.push(s), events as unknown as NodeJS.Process);
    return { term, events, signals, unguard };
  };

  it('leaves the screen before a crash prints its stack, and on exit', () => {
    for (const event of ['uncaughtExceptionMonitor', 'exit']) {
      const { term, events } = setup();
      events.emit(event, new Error('boom'));
      expect(term.onAltScreen, event).toBe(false);
      expect(term.rawModes.at(-1), event).toBe(false);
    }
  });

  it('hands SIGTERM and SIGHUP to the UI to end it, and lets go when done', () => {
    const { events, signals, unguard } = setup();
    for (const s of ['SIGTERM', 'SIGHUP']) events.emit(s);
    expect(signals).toEqual(['SIGTERM', 'SIGHUP']);
    unguard();
    expect(events.eventNames()).toEqual([]);
  });

  it('ignores SIGINT, which a Ctrl-C in a handed-off shell or pager sends fleet too', () => {
    const { term, events, signals } = setup();
    events.emit('SIGINT');
    expect(signals).toEqual([]);
    expect(term.onAltScreen).toBe(true);
  });
});
