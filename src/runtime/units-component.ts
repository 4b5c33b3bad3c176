import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { EventStore } from '../events/event-store.js';
import { KvFailureLog } from '../events/kv-projection-state.js';
import { ProjectionRunner } from '../events/projection-runner.js';
import { PROJECTIONS_BUCKET } from '../nats/provision.js';
import { Catalog } from '../knowledge/catalog.js';
import { CatalogProjection, SqliteCheckpointStore } from '../knowledge/catalog-projection.js';
import { JetStreamContentStore } from '../storage/jetstream-content-store.js';
import { RecentContent } from '../storage/recent-content.js';
import { UnitService } from '../units/unit-service.js';
import type { UnitsContext } from '../api/operation.js';

/** How long catalog writes are grouped before they are committed. */
const CATALOG_COMMIT_MS = 20;

/** The running units component: its services and how to stop it. */
export interface UnitsComponent {
  readonly context: UnitsContext;
  stop(): Promise<void>;
}

/**
 * Starts the units component: the content store, the unit service, and the catalog projection
 * (SQLite at `<data>/read-models/catalog.sqlite`), which catches up from its checkpoint, or
 * rebuilds everything when the database is new.
 */
export async function startUnits(
  nc: NatsConnection,
  store: EventStore,
  config: Config,
  logger: Logger,
): Promise<UnitsComponent> {
  const content = await JetStreamContentStore.open(nc);
  const recent = new RecentContent();
  const catalog = new Catalog(join(config.dataDir, 'read-models', 'catalog.sqlite'));
  catalog.groupCommits(CATALOG_COMMIT_MS, (err) =>
    logger.error(
      { err },
      'catalog commit failed: the last writes are applied again after a restart',
    ),
  );
  const failures = new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET));
  const catalogRunner = new ProjectionRunner(
    new CatalogProjection(catalog, content, logger, recent),
    store,
    new SqliteCheckpointStore(catalog),
    failures,
    logger,
  );
  await catalogRunner.start();
  const service = new UnitService(store, content, {
    spoolDir: join(config.dataDir, 'spool'),
    maxContentBytes: config.units.maxContentBytes,
    recent,
  });
  return {
    context: { service, catalog, content, catalogRunner },
    async stop() {
      await catalogRunner.stop();
      catalog.close();
    },
  };
}
