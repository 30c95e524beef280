import { useSyncExternalStore } from 'react';
import type { UiState } from '../ui-state.js';
import type { UiStore } from '../ui-store.js';

export function useUi(store: UiStore): UiState {
  return useSyncExternalStore(store.subscribe, store.get);
}
