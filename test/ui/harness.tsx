// Renders the App over a FakeView with ink-testing-library and types at it like a user.
import { render } from 'ink-testing-library';
import { afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { App } from '../../source/ui/components/App.js';
import type { Handoff } from '../../source/ui/model/fleet-view.js';
import type { UiOutcome } from '../../source/ui/keys/keymap.js';
import { FakeView, NOW } from './fake-view.js';

afterEach(() => cleanup());

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  backspace: '\x7f',
  pgUp: '\x1b[5~',
  pgDn: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  ctrlC: '\x03',
  ctrlU: '\x15',
  ctrlD: '\x04',
} as const;

/** Ink re-subscribes its input handler after each render; give it time between keys. */
export const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

export function renderApp(view: FakeView, options: { columns?: number; rows?: number; colour?: boolean } = {}) {
  const handoffs: Handoff[] = [];
  const exits: UiOutcome[] = [];
  const app = render(
    <App
      view={view}
      clock={() => NOW}
      colour={options.colour ?? false}
      onHandoff={(target) => handoffs.push(target)}
      onExit={(outcome) => exits.push(outcome)}
    />,
  );
  if (options.columns !== undefined || options.rows !== undefined) {
    resize(app.stdout, options.columns ?? 100, options.rows ?? 24);
  }
  /** Each argument is one read from the terminal: one key, or a burst like "jj". */
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await tick();
    }
  };
  const frame = () => app.lastFrame() ?? '';
  return { ...app, view, handoffs, exits, press, frame };
}

/** What a terminal does on SIGWINCH: new size, then 'resize'. */
export function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

/** Every line of the frame fits the terminal: at most rows - 1 lines, none wider than columns. */
export function frameFits(frame: string, columns: number, rows: number): { lines: number; widest: number; ok: boolean } {
  const lines = frame.split('\n');
  const widest = Math.max(...lines.map((l) => [...l].length));
  return { lines: lines.length, widest, ok: lines.length <= rows - 1 && widest <= columns };
}
