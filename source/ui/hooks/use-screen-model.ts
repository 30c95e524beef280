import { useMemo } from 'react';
import type { RunState } from '../../core/state.js';
import type { FleetView, RunInfo } from '../model/fleet-view.js';
import { barEntries, taskActions, type BarEntry } from '../keys/key-help.js';
import { bindingContext, type KeyContext } from '../keys/keymap.js';
import { computeLayout, pageSize, queueCapacity, type Layout } from '../model/layout.js';
import { packQueue, queueItems, type QueueItem } from '../model/queue-items.js';
import { attentionOrder, displayOrder, matchesFilter, type OrderedTask } from '../model/task-order.js';
import type { UiState } from '../model/ui-state.js';

/** Everything a frame shows, derived from the run, the UI state and the terminal size. */
export interface ScreenModel {
  info: RunInfo;
  layout: Layout;
  /** Every task, in display order; `listed` is the filtered part the list shows. */
  order: OrderedTask[];
  listed: OrderedTask[];
  selected?: string;
  critical: ReadonlySet<string>;
  queue: QueueItem[][];
  keys: KeyContext;
  bar: BarEntry[];
  /** The selected task's next steps, for the agent pane. */
  actions: string[];
}

/**
 * Derivations that depend on the run alone are kept until the run changes (RunState is replaced
 * on every event and only then): a flood of output re-renders the agent pane, while the list,
 * header and queue keep the same props and are skipped.
 */
export function useScreenModel(view: FleetView, state: RunState, ui: UiState, columns: number, rows: number): ScreenModel {
  // info() reads the run (its critical path follows the tasks), so it is re-read when the run changes.
  const info = useMemo(() => view.info(), [view, state]);
  const dag = useMemo(() => displayOrder(state), [state]);
  const order = useMemo(() => (ui.attention ? attentionOrder(state, dag) : dag), [state, dag, ui.attention]);
  const listed = useMemo(() => order.filter((o) => matchesFilter(state, o.key, ui.filter)), [state, order, ui.filter]);
  const critical = useMemo(() => new Set(info.criticalPath), [info]);
  const queue = useMemo(() => packQueue(queueItems(state), columns, queueCapacity(rows)), [state, columns, rows]);
  const layout = computeLayout(columns, rows, queue.length);
  const keys: KeyContext = {
    state,
    order,
    pageSize: pageSize(layout),
    output: (key) => view.getLines(key),
    logFile: (key) => view.logFile(key),
  };
  const c = bindingContext(ui, keys);
  return { info, layout, order, listed, selected: c.key, critical, queue, keys, bar: barEntries(c, columns), actions: taskActions(c) };
}
