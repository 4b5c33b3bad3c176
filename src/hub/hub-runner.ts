import type { Logger } from 'pino';
import type { EventStore } from '../events/event-store.js';
import type { PluginSet } from '../plugins/plugin-registry.js';
import type { UnitService } from '../units/unit-service.js';
import type { ConnectorSources } from './connector-sources.js';
import type { ConnectorCatalog } from './connector-catalog.js';
import { ConnectorWorker } from './connector-worker.js';

/** What the runner needs: the stores, the read model, the plugins providing kinds. */
export interface HubRunnerDeps {
  readonly events: EventStore;
  readonly units: UnitService;
  readonly catalog: ConnectorCatalog;
  /** The sources each connector's items have (deletions while a connector did not run). */
  readonly sources?: ConnectorSources;
  readonly plugins: PluginSet;
  readonly logger: Logger;
  /** Temporary folders of connectors, emptied when each starts. */
  readonly tempRoot: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const RUNS = new Set(['configured', 'running', 'failed']);

/**
 * Runs every connector whose state allows it (`configured`, `running`, or `failed` and retried
 * with backoff), following the read model: a pause or removal stops its worker, a new
 * definition restarts it, a rewind moves its cursor. A restart resumes from the last checkpoint
 * because that is where the read model says the cursor is.
 */
export class HubRunner {
  private readonly workers = new Map<string, { worker: ConnectorWorker; rewoundAt: number }>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: HubRunnerDeps) {}

  /** Starts every runnable connector; call once the read model has caught up with the stream. */
  start(): void {
    this.deps.catalog.onChange((name) => this.enqueue(name));
    for (const summary of this.deps.catalog.list()) this.enqueue(summary.name);
  }

  /** Polls connector `name` now; false when it is not running here. */
  runNow(name: string): boolean {
    const entry = this.workers.get(name);
    entry?.worker.wake();
    return entry !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
    await Promise.all([...this.workers.values()].map((e) => e.worker.stop()));
    this.workers.clear();
  }

  // Changes are applied one at a time, so a quick pause-resume cannot start two workers.
  private enqueue(name: string): void {
    this.chain = this.chain
      .then(() => this.reconcile(name))
      .catch((err: unknown) =>
        this.deps.logger.error({ connector: name, err }, 'hub reconcile failed'),
      );
  }

  private async reconcile(name: string): Promise<void> {
    if (this.stopped) return;
    const summary = this.deps.catalog.get(name);
    const entry = this.workers.get(name);
    const runs = summary !== undefined && RUNS.has(summary.state);
    if (entry !== undefined && (!runs || entry.worker.definitionCid !== summary?.definitionCid)) {
      this.workers.delete(name);
      await entry.worker.stop();
    }
    if (!runs || summary === undefined) return;
    const current = this.workers.get(name);
    if (current !== undefined) {
      if (summary.rewoundAt > current.rewoundAt) {
        current.rewoundAt = summary.rewoundAt;
        current.worker.rewind(summary.cursor);
      }
      return;
    }
    const worker = new ConnectorWorker(
      summary.definition,
      summary.definitionCid,
      this.deps.plugins.connector(summary.definition.kind)?.definition,
      summary.cursor,
      summary.state === 'failed' ? summary.consecutiveFailures : 0,
      {
        events: this.deps.events,
        units: this.deps.units,
        ...(this.deps.sources !== undefined ? { sources: this.deps.sources } : {}),
        logger: this.deps.logger,
        tempRoot: this.deps.tempRoot,
        ...(this.deps.env !== undefined ? { env: this.deps.env } : {}),
      },
    );
    this.workers.set(name, { worker, rewoundAt: summary.rewoundAt });
    worker.start();
  }
}
