import { useSyncExternalStore } from 'react';
import type { UiState } from '../model/ui-state.js';
import type { UiStore } from '../model/ui-store.js';

export function useUi(store: UiStore): UiState {
  return useSyncExternalStore(store.subscribe, store.get);
}
