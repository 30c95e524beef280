// Screen arithmetic, from the terminal size alone, so every region has a fixed size and the
// frame can never grow past the terminal (docs/ui.md#terminal-facts: the root is rows - 1 high; a
// frame as tall as the terminal makes Ink 6 clear the whole screen on every render).

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;

/** Rows around the body: header, the merge queue's top rule, status line, help bar. */
const CHROME_ROWS = 4;

export interface Layout {
  columns: number;
  /** Height of the whole frame: one less than the terminal has. */
  height: number;
  listWidth: number;
  paneWidth: number;
  /** Rows of the task list and of the agent pane, their title lines included. */
  bodyHeight: number;
  /** Lines the merge queue may use (1–3, more on taller terminals). */
  queueHeight: number;
  /** Rows the `?` overlay may use: everything below the header (it says itself how to close it). */
  overlayHeight: number;
  tooSmall: boolean;
}

/** How many lines the merge queue may take on a terminal this tall. */
export function queueCapacity(rows: number): number {
  return rows >= 45 ? 3 : rows >= 30 ? 2 : 1;
}

/** `queueLines`: lines the merge queue's content needs (it gets at most queueCapacity). */
export function computeLayout(columns: number, rows: number, queueLines: number): Layout {
  const height = Math.max(1, rows - 1);
  const queueHeight = Math.max(1, Math.min(queueCapacity(rows), queueLines));
  // About a third for the list (at least 28 columns), the rest (and the 1-column rule) for output.
  const listWidth = Math.max(1, Math.min(Math.max(28, Math.round(columns / 3)), 72, columns - 21));
  return {
    columns,
    height,
    listWidth,
    paneWidth: Math.max(1, columns - listWidth - 1),
    bodyHeight: Math.max(1, height - CHROME_ROWS - queueHeight),
    queueHeight,
    overlayHeight: Math.max(1, height - 1),
    tooSmall: columns < MIN_COLUMNS || rows < MIN_ROWS,
  };
}

/** Rows the agent pane has for output (its title line excluded): one page for PgUp/PgDn. */
export function pageSize(layout: Layout): number {
  return Math.max(1, layout.bodyHeight - 1);
}
