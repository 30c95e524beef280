// The merge queue's settings: top-level `queue:`, overridden key by key by a project's `queue:`.
// Gates run checks beside the agents' slots, so their number is bounded by the concurrency; the
// bound is only an error where the file itself states both numbers (docs/config.md).
import type { FleetSpec, QueueSpec } from '../core/fleet.js';
import { GATES_RANGE, type RawQueue } from './schema.js';
import type { DraftIssue, PathSegment } from './issue.js';

export const DEFAULT_BATCH = 16;
export const DEFAULT_GATES = 2;

export interface QueueLayer {
  values: RawQueue | undefined;
  /** Path of the map holding `queue`, e.g. [] or ['projects', 'api']. */
  path: PathSegment[];
}

/**
 * `layers` run from the most specific (the project) to the least (the top level).
 * `writtenConcurrency` is the file's `concurrency`, when it has one.
 */
export function resolveQueue(layers: readonly QueueLayer[], concurrency: number, writtenConcurrency: number | undefined, issues: DraftIssue[]): QueueSpec {
  const batch = layers.find((l) => l.values?.batch !== undefined);
  const gates = layers.find((l) => l.values?.gates !== undefined);
  const wanted = gates?.values?.gates ?? DEFAULT_GATES;
  if (gates && writtenConcurrency !== undefined && wanted > writtenConcurrency) {
    const message = `expected ${GATES_RANGE} (${writtenConcurrency}), got ${wanted}`;
    const hint = 'gate checks run beside the agents, so there are never more of them than concurrency allows';
    issues.push({ path: [...gates.path, 'queue', 'gates'], at: 'value', message, hint });
  }
  return { batch: batch?.values?.batch ?? DEFAULT_BATCH, gates: Math.min(wanted, concurrency), wantedGates: wanted };
}

/**
 * The spec with another concurrency (`-j`): every project's gates clamp again to it, from the
 * number the file asked for, so a larger -j gives back gates a small concurrency took away.
 */
export function withConcurrency(spec: FleetSpec, concurrency: number): FleetSpec {
  const projects = spec.projects.map((p) => ({ ...p, queue: { ...p.queue, gates: Math.min(p.queue.wantedGates, concurrency) } }));
  return { ...spec, concurrency, projects };
}
