import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StorageManager } from '../storage/storage-manager.js';

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
   * current by moves, bytes moved in and read faults since the process started.
   */
  watchStorage(storage: StorageManager): void {
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
  }
}
