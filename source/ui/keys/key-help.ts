import { BINDINGS, enabledBindings, helpOf, keyLabels, keysOf, labelOf, modeBindings, type Binding, type BindingContext, type ModeKind } from './keymap.js';

// The keymap table presented: the help bar, the `?` overlay, the agent pane's next steps.

export interface BarEntry {
  keys: string;
  label: string;
}

export interface HelpEntry {
  keys: string[];
  help: string;
}

/** The help bar shows at most this many keys (htop-style: the ones that matter now). */
const BAR_MAX = 8;
const BAR_GAP = 2;

/**
 * The keys that do something now. In the diff view: all of its keys, in table order. Elsewhere:
 * the list's, most useful first until the line is full (at most eight), then shown in table
 * order, so `? help` and `q quit` always close the line.
 */
export function barEntries(c: BindingContext, width: number): BarEntry[] {
  if (c.ui.mode.kind === 'diff') return modeBindings('diff').map((b) => barEntry(b, c));
  const ranked = enabledBindings(c)
    .filter((b) => b.bar !== undefined)
    .sort((a, b) => a.bar! - b.bar!);
  const chosen = new Set<(typeof ranked)[number]>();
  let used = 0;
  for (const b of ranked) {
    const cost = keysOf(b, 'bar').length + 1 + labelOf(b, c).length + (chosen.size > 0 ? BAR_GAP : 0);
    if (chosen.size >= BAR_MAX || used + cost > width) continue;
    chosen.add(b);
    used += cost;
  }
  return BINDINGS.filter((b) => chosen.has(b)).map((b) => barEntry(b, c));
}

function barEntry(b: Binding, c: BindingContext): BarEntry {
  return { keys: keysOf(b, 'bar'), label: labelOf(b, c) };
}

export interface HelpSection {
  title: string;
  entries: HelpEntry[];
}

/** The overlay's sections: one per mode (a Record, so a new mode cannot be left out), in this order. */
const SECTION_TITLES: Record<ModeKind, string> = {
  normal: 'List and output pane',
  confirm: 'Confirm dialog (x, d, a, r)',
  quit: 'Quit prompt (q while agents are at work)',
  filter: 'Filter (/); other keys act as on the list',
  help: 'This help; other keys do nothing',
  diff: 'Diff view (v); other keys do nothing',
  comment: 'Writing a comment (c, C in the diff view)',
};

/** Every binding of every mode, whatever the state: the `?` overlay and docs/ui.md. */
export function helpSections(): HelpSection[] {
  return (Object.entries(SECTION_TITLES) as [ModeKind, string][]).map(([mode, title]) => ({
    title,
    entries: modeBindings(mode).map((b) => ({ keys: keyLabels(b), help: helpOf(b) })),
  }));
}

/** The selected task's next steps, for the agent pane: "m requeue", "r retry", "o shell", … */
export function taskActions(c: BindingContext): string[] {
  return enabledBindings(c)
    .filter((b) => b.taskAction)
    .map((b) => `${keysOf(b, 'bar')} ${labelOf(b, c)}`);
}
