import type { Key } from 'ink';
import { disabledReason, refusal, statusWords, type TaskAction } from '../../core/actions.js';
import { taskStatus } from '../../core/selectors.js';
import { keyLabel, keyName, splitInput } from './key-names.js';
import { visibleKeys } from '../model/task-order.js';
import { selectedKey, withStatus, type UiState } from '../model/ui-state.js';
import { BINDINGS } from './bindings.js';
import { OTHER_KEY, TEXT_KEY, type Binding, type BindingContext, type KeyContext, type KeyEffect, type KeyResult, type ModeKind } from './key-types.js';

export * from './key-types.js';
export { BINDINGS } from './bindings.js';

// Every key fleet binds, in every mode, is one row of BINDINGS. The same rows drive the key
// handler (reduceKey), the help bar, the quit prompt and the `?` overlay, so what the screen says
// is what the keys do. A key that sends a task action is named by the action, the verb of the
// `fleet <action>` command, and is enabled by core/actions.ts, the rule the engine applies.


/** What a mode does with a key it does not bind: treat it as on the list (the filter) or ignore it. */
const FALLS_THROUGH: ReadonlySet<ModeKind> = new Set(['filter']);

export function bindingContext(ui: UiState, ctx: KeyContext): BindingContext {
  const visible = visibleKeys(ctx.state, ctx.order, ui.filter);
  const key = selectedKey(ui, visible);
  const task = key === undefined ? undefined : ctx.state.tasks[key];
  return { ui, ctx, visible, key, task, status: key === undefined ? undefined : taskStatus(ctx.state, key) };
}

/** The bindings of one mode, in table order. */
export function modeBindings(mode: ModeKind): Binding[] {
  return BINDINGS.filter((b) => (b.mode ?? 'normal') === mode);
}

/** The task action an action key sends now. */
function actionOf(binding: Binding, c: BindingContext): TaskAction | undefined {
  return binding.pick ? binding.pick(c) : binding.actions?.[0];
}

export function labelOf(binding: Binding, c: BindingContext): string {
  const action = actionOf(binding, c);
  if (action) return action;
  if (typeof binding.label === 'function') return binding.label(c);
  return binding.label ?? '';
}

/** The overlay's words for a binding: an action key's start with its actions, as the CLI names them. */
export function helpOf(binding: Binding): string {
  return binding.actions ? `${binding.actions.join(' / ')}: ${binding.help}` : binding.help;
}

const SPECIAL_KEYS: Record<string, string> = { [OTHER_KEY]: 'any other key', [TEXT_KEY]: 'typing' };

/** Each of a binding's keys as the overlay writes it. */
export function keyLabels(binding: Binding): string[] {
  return binding.keys.map((k) => SPECIAL_KEYS[k] ?? keyLabel(k));
}

/** How a binding's keys are written: in the bar (short) or the overlay (every key). */
export function keysOf(binding: Binding, where: 'bar' | 'overlay'): string {
  if (where === 'bar') return binding.shown ?? keyLabels(binding)[0]!;
  return keyLabels(binding).join(' ');
}

/** Why an action key does nothing on the selected task now; undefined for other keys, or when it applies. */
function refusedBecause(binding: Binding, c: BindingContext): string | undefined {
  const action = actionOf(binding, c);
  return action && c.task ? disabledReason(action, c.task, c.ctx.state) : undefined;
}

function isEnabled(binding: Binding, c: BindingContext): boolean {
  if (binding.actions) return c.task !== undefined && refusedBecause(binding, c) === undefined;
  return binding.enabled?.(c) ?? true;
}

/** The bindings of the normal screen a key press would reach now, in table order. */
export function enabledBindings(c: BindingContext): Binding[] {
  return modeBindings('normal').filter((b) => isEnabled(b, c));
}

/** One key (already split from a burst) against the UI state: the next state and what to do. */
export function reduceKey(ui: UiState, input: string, key: Key, ctx: KeyContext): KeyResult {
  const name = keyName(input, key);
  if (name === undefined) return { ui };
  const mode = ui.mode.kind;
  if (mode === 'normal') return runBinding(ui, name, ctx);
  const bound = modeBindings(mode);
  const typed = [...name].length === 1 && name >= ' ';
  const binding =
    bound.find((b) => b.keys.includes(name)) ??
    (typed ? bound.find((b) => b.keys.includes(TEXT_KEY)) : undefined) ??
    bound.find((b) => b.keys.includes(OTHER_KEY));
  if (binding) return binding.run(bindingContext(ui, ctx), name);
  return FALLS_THROUGH.has(mode) ? runBinding(ui, name, ctx) : { ui };
}

/** A whole input chunk: split into keys, applied in order. */
export function reduceInput(ui: UiState, input: string, key: Key, ctx: KeyContext): { ui: UiState; effects: KeyEffect[] } {
  const effects: KeyEffect[] = [];
  let current = ui;
  for (const [i, k] of splitInput(input, key)) {
    const result = reduceKey(current, i, k, ctx);
    current = result.ui;
    if (result.effect) effects.push(result.effect);
    // Leaving the UI (quit, detach, a handoff) ends the chunk: later keys belong to what comes next.
    if (result.effect && result.effect.kind !== 'send') break;
  }
  return { ui: current, effects };
}

function runBinding(ui: UiState, name: string, ctx: KeyContext): KeyResult {
  const matching = modeBindings('normal').filter((b) => b.keys.includes(name));
  if (matching.length === 0) return { ui };
  const c = bindingContext(ui, ctx);
  const binding = matching.find((b) => isEnabled(b, c));
  if (binding) return binding.run(c, name);
  const first = matching[0]!;
  const what = `${keyLabel(name)} ${labelOf(first, c)}`;
  if (c.key === undefined) return { ui: withStatus(ui, `${what}: no task selected`) };
  const why = refusedBecause(first, c);
  // The refusal names the action already, as the engine and the CLI word it.
  if (why) return { ui: withStatus(ui, `${keyLabel(name)}: ${refusal(actionOf(first, c)!, c.key, why)}`) };
  return { ui: withStatus(ui, `${what}: not possible while ${c.key} is ${statusWords(c.status!)}`) };
}
