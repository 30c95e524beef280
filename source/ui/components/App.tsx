import { Box, Text } from 'ink';
import { useState } from 'react';
import type { FleetView, Handoff } from '../model/fleet-view.js';
import { useClock } from '../hooks/use-clock.js';
import { renderInterval, useFleetView } from '../hooks/use-fleet-view.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { useScreenModel, type ScreenModel } from '../hooks/use-screen-model.js';
import { useUi } from '../hooks/use-ui.js';
import { helpSections } from '../keys/key-help.js';
import type { UiOutcome } from '../keys/keymap.js';
import { placeOf } from '../model/diff-lines.js';
import { MIN_COLUMNS, MIN_ROWS } from '../model/layout.js';
import { colorEnabled } from '../no-color.js';
import { scrollOf, type UiState } from '../model/ui-state.js';
import { UiStore } from '../model/ui-store.js';
import { AgentPane } from './AgentPane.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CommentInput, DiffPane } from './DiffPane.js';
import { FilterInput } from './FilterInput.js';
import { Header } from './Header.js';
import { HelpBar } from './HelpBar.js';
import { HelpOverlay } from './HelpOverlay.js';
import { MergeQueue } from './MergeQueue.js';
import { StatusLine } from './StatusLine.js';
import { TaskList } from './TaskList.js';

export interface AppProps {
  view: FleetView;
  onHandoff: (target: Handoff) => void;
  onExit: (outcome: UiOutcome) => void;
  /** UI state kept across remounts (runUi passes one); a fresh one otherwise. */
  store?: UiStore;
  clock?: () => number;
  colour?: boolean;
}

/**
 * The whole screen: wires the hooks, then picks the layout for the mode and the terminal size.
 * No region uses overflow="hidden": Ink clips by slicing every line of every text under such a
 * box on every frame (a fifth of a frame's cost, measured), and nothing here can spill anyway:
 * each region has a fixed size from layout.ts and fills it with one truncated <Text> per row.
 */
export function App({ view, onHandoff, onExit, store: given, clock = Date.now, colour = colorEnabled() }: AppProps) {
  const [own] = useState(() => new UiStore());
  const store = given ?? own;
  const { columns, rows } = useTerminalSize();
  const { state } = useFleetView(view, renderInterval(columns, rows));
  const ui = useUi(store);
  const now = useClock(clock);
  const model = useScreenModel(view, state, ui, columns, rows);
  useKeys(store, model.keys, { view, onHandoff, onExit });

  const { layout } = model;
  if (layout.tooSmall) {
    return (
      <Box width={columns} height={layout.height}>
        <Text wrap="truncate-end">{`too small for fleet (${MIN_COLUMNS}×${MIN_ROWS})`}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={columns} height={layout.height}>
      <Header info={model.info} state={state} now={now} width={columns} />
      {ui.mode.kind === 'help' ? (
        <HelpOverlay sections={helpSections()} width={columns} height={layout.overlayHeight} />
      ) : (
        <>
          <Body model={model} ui={ui} view={view} colour={colour} now={now} />
          <BottomLine model={model} ui={ui} />
        </>
      )}
    </Box>
  );
}

function Body({ model, ui, view, colour, now }: { model: ScreenModel; ui: UiState; view: FleetView; colour: boolean; now: number }) {
  const { layout } = model;
  const state = model.keys.state;
  if (ui.mode.kind === 'diff' || ui.mode.kind === 'comment') {
    return (
      <>
        <DiffPane diff={ui.mode.diff} colour={colour} width={layout.columns} height={layout.bodyHeight + layout.queueHeight} />
        <StatusLine message={ui.status} hint={`run ${model.info.runId} · ${model.info.file}`} width={layout.columns} />
      </>
    );
  }
  return (
    <>
      <Box height={layout.bodyHeight}>
        <Box borderStyle="single" borderTop={false} borderBottom={false} borderLeft={false} borderDimColor>
          <TaskList
            state={state}
            order={model.listed}
            total={model.order.length}
            selected={model.selected}
            critical={model.critical}
            filter={ui.filter}
            focused={ui.focus === 'list'}
            now={now}
            width={layout.listWidth}
            height={layout.bodyHeight}
          />
        </Box>
        <AgentPane
          state={state}
          taskKey={model.selected}
          lines={(key, n) => view.getLines(key, n)}
          scroll={scrollOf(ui, model.selected)}
          actions={model.actions}
          focused={ui.focus === 'pane'}
          colour={colour}
          now={now}
          width={layout.paneWidth}
          height={layout.bodyHeight}
        />
      </Box>
      <MergeQueue lines={model.queue} width={layout.columns} height={layout.queueHeight} />
      <StatusLine message={ui.status} hint={`run ${model.info.runId} · ${model.info.file}`} width={layout.columns} />
    </>
  );
}

/** The help bar, or the dialog that takes its place. */
function BottomLine({ model, ui }: { model: ScreenModel; ui: UiState }) {
  const width = model.layout.columns;
  if (ui.mode.kind === 'confirm' || ui.mode.kind === 'quit') return <ConfirmDialog question={ui.mode.question} width={width} />;
  if (ui.mode.kind === 'filter') return <FilterInput filter={ui.filter} width={width} />;
  if (ui.mode.kind === 'comment') return <CommentInput on={placeOf(ui.mode.on)} draft={ui.mode.draft} width={width} />;
  return <HelpBar entries={model.bar} width={width} />;
}
