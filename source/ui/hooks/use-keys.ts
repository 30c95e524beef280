import { useInput } from 'ink';
import { useRef } from 'react';
import type { FleetView, Handoff } from '../model/fleet-view.js';
import { reduceInput, type KeyContext, type KeyEffect, type UiOutcome } from '../keys/keymap.js';
import { withStatus } from '../model/ui-state.js';
import type { UiStore } from '../model/ui-store.js';

export interface KeyHandlers {
  view: FleetView;
  onHandoff: (target: Handoff) => void;
  onExit: (outcome: UiOutcome) => void;
}

/**
 * Feeds every key through the pure keymap and carries out what it asks. The UI state is read
 * from the store and the context from a ref at the moment the key arrives, never from the
 * render that installed the handler (Ink 6 can call a stale one, docs/ui.md#terminal-facts).
 */
export function useKeys(store: UiStore, context: KeyContext, handlers: KeyHandlers): void {
  const latest = useRef({ context, handlers });
  latest.current = { context, handlers };
  useInput((input, key) => {
    const { context: ctx, handlers: h } = latest.current;
    const { ui, effects } = reduceInput(store.get(), input, key, ctx);
    store.set(ui);
    for (const effect of effects) carryOut(effect, store, h);
  });
}

function carryOut(effect: KeyEffect, store: UiStore, h: KeyHandlers): void {
  switch (effect.kind) {
    case 'send':
      h.view.send(effect.command).then(
        (result) => store.update((ui) => withStatus(ui, result.message)),
        (error: unknown) => store.update((ui) => withStatus(ui, `not sent: ${error instanceof Error ? error.message : String(error)}`)),
      );
      return;
    case 'handoff':
      h.onHandoff(effect.target);
      return;
    case 'exit':
      h.onExit(effect.outcome);
      return;
    case 'diff':
      h.view.diff(effect.key).then(
        (answer) =>
          store.update((ui) =>
            !answer.ok
              ? withStatus(ui, answer.message)
              : answer.lines.length === 0
                ? withStatus(ui, `${effect.key}: no changes (${answer.what})`)
                : { ...ui, status: undefined, mode: { kind: 'diff', diff: { key: effect.key, what: answer.what, lines: answer.lines, cursor: 0, comments: [] } } },
          ),
        (error: unknown) => store.update((ui) => withStatus(ui, `no diff: ${error instanceof Error ? error.message : String(error)}`)),
      );
      return;
  }
}
