import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StorageManager } from '../storage/storage-manager.js';
import type { Scrubber } from '../storage/scrubber.js';

/** The Prometheus metrics of one process, exposed at `GET /metrics`. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cim_api_requests_total',
    help: 'API requests by operation and outcome (ok or the error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'cim_api_request_duration_seconds',
    help: 'API request duration by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cim_' });
  }

  /**
   * Per-tier storage figures: objects and bytes as last listed (`cim storage status`) and kept
   * current by moves, bytes moved in and read faults since the process started; and what the
   * last scrub, reconciliation or verification of every tier found.
   */
  watchStorage(storage: StorageManager, scrubber?: Scrubber): void {
    const perTier = (
      name: string,
      help: string,
      value: (tier: string) => number | null | undefined,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['tier'] as const,
        registers: [this.registry],
        collect() {
          for (const tier of storage.tiers) {
            const v = value(tier.name);
            if (v !== null && v !== undefined) this.set({ tier: tier.name }, v);
          }
        },
      });
    perTier(
      'cim_storage_tier_objects',
      'Objects held per tier (as last listed, kept current by moves).',
      (t) => storage.lastStatus.get(t)?.objects,
    );
    perTier(
      'cim_storage_tier_bytes',
      'Bytes held per tier (as last listed, kept current by moves).',
      (t) => storage.lastStatus.get(t)?.bytes,
    );
    perTier(
      'cim_storage_moved_bytes',
      'Bytes moved into each tier since the process started.',
      (t) => storage.movedBytes.get(t) ?? 0,
    );
    perTier(
      'cim_storage_read_faults',
      'Reads that found a missing or corrupted copy in a tier and fell back, since start.',
      (t) => storage.readFaults(t),
    );
    if (scrubber) this.watchScrub(scrubber);
  }

  private watchScrub(scrubber: Scrubber): void {
    const gauge = (name: string, help: string, value: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const v = value();
          if (v !== undefined) this.set(v);
        },
      });
    gauge(
      'cim_storage_lost_contents',
      'Contents no tier held an intact copy of at the last check of every tier.',
      () => scrubber.health().lost,
    );
    gauge(
      'cim_storage_unrepaired_faults',
      'Missing, damaged or unreadable copies not repaired at the last check of every tier.',
      () => scrubber.health().unrepaired,
    );
    gauge(
      'cim_storage_repaired_copies',
      'Copies repaired from another tier by the last check of every tier.',
      () => scrubber.health().repaired,
    );
    gauge(
      'cim_events_scrub_problems',
      'Problems the last scrub found in the event stream.',
      () => scrubber.lastEventsScrub?.report?.problemCount,
    );
    gauge(
      'cim_storage_last_check_timestamp_seconds',
      'When the last check of every tier finished (Unix time).',
      () => {
        const at = scrubber.health().lastCheck?.at;
        return at === undefined ? undefined : Date.parse(at) / 1000;
      },
    );
  }
}
