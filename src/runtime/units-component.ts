import { natsClientAuth } from '../nats/connect.js';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { EventStore } from '../events/event-store.js';
import { CatalogReader } from '../knowledge/catalog-reader.js';
import { openStorage } from '../storage/open-storage.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { EventArchiver } from '../storage/archive/event-archiver.js';
import { BackupRunner } from '../storage/backup/backup-runner.js';
import { scheduleMs } from '../core/config.js';
import { ContentReads } from '../storage/content-reads.js';
import { VerifyRuns } from '../storage/verify-runs.js';
import { Scrubber } from '../storage/scrubber.js';
import { expectedContent } from '../storage/content-inventory.js';
import { readMarks } from '../events/read-marks.js';
import { lastPositionMatching } from '../events/last-position.js';
import { UNITS_DOMAIN } from '../units/unit-events.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { PolicyRunner } from '../storage/policy-runner.js';
import { UnitService } from '../units/unit-service.js';
import type { UnitsContext } from '../api/operation.js';
import { CatalogThread } from './catalog-thread.js';

/** Present while the units component runs; left behind by a crash, it asks for a reconciliation. */
const UNCLEAN_MARKER = 'units.running';
/** How long a verification waits for the catalog to read the whole stream. */
const CATCH_UP_MS = 60_000;

/** The running units component: its services and how to stop it. */
export interface UnitsComponent {
  readonly context: UnitsContext;
  stop(): Promise<void>;
}

/**
 * Starts the units component: the content store, the unit service, and the catalog projection
 * (SQLite at `<data>/read-models/catalog.sqlite`) on its own thread, which catches up from its
 * checkpoint, or rebuilds everything when the database is new. Queries read the committed
 * catalog through a second, read-only connection.
 */
export async function startUnits(
  nc: NatsConnection,
  natsUrl: string,
  store: EventStore,
  config: Config,
  logger: Logger,
): Promise<UnitsComponent> {
  const safety = config.storage.safetyCopy?.to;
  const storage = await openStorage(nc, store, config.storage.tiers, logger, {
    checkTiers: true,
    ...(safety !== undefined && { safetyTier: safety }),
  });
  const content = storage.manager;
  const path = join(config.dataDir, 'read-models', 'catalog.sqlite');
  const thread = await CatalogThread.start(
    {
      natsUrl,
      natsAuth: natsClientAuth(config.nats),
      path,
      logLevel: config.log.level,
      logFormat: config.log.format ?? 'json',
      maxEventBytes: config.events.maxEventBytes,
      tiers: config.storage.tiers,
    },
    logger,
  );
  const catalog = CatalogReader.open(path);
  const service = new UnitService(store, content, {
    spoolDir: join(config.dataDir, 'spool'),
    maxContentBytes: config.units.maxContentBytes,
    recent: thread,
  });
  // Rehydration asks the policies, and last-read rules ask the read log: each sees the other
  // through a function, called only once both exist (on a read, in a run).
  const reads = await ContentReads.open(
    nc,
    storage.manager,
    () => policies.rehydratingPolicy(),
    logger,
  );
  const policies = new PolicyRunner(storage.manager, store, catalog, logger, (cid) =>
    reads.lastRead(cid),
  );
  await policies.start(config.storage.policyIntervalSeconds * 1000);
  const inventory = async () => {
    // What the catalog holds once it has read the last unit event (or after a minute, whatever
    // it has: a catalog stuck behind must not stop the check).
    const lastUnitEvent = await lastPositionMatching(
      store,
      { domain: UNITS_DOMAIN },
      await store.lastPosition(),
    );
    const caughtUp = thread.waitFor(lastUnitEvent);
    await Promise.race([caughtUp, sleep(CATCH_UP_MS, undefined, { ref: false })]);
    return expectedContent(catalog, store, safety);
  };
  const verifications = new VerifyRuns(storage.manager, logger, inventory);
  const scrubber = new Scrubber(
    verifications,
    storage.manager,
    store,
    async () => [...(await readMarks(nc)), ...catalog.checkpoints()],
    join(config.dataDir, UNCLEAN_MARKER),
    logger,
  );
  scrubber.start({
    intervalMs: config.storage.scrub.intervalSeconds * 1000,
    afterUncleanStart: config.storage.scrub.afterUncleanStart,
  });
  const archiver = new EventArchiver(
    store,
    storage.archive,
    storage.manager,
    await jetstreamManager(nc),
    logger,
  );
  const scheduled = config.storage.eventArchive;
  if (scheduled) {
    archiver.schedule(
      {
        to: scheduled.to,
        olderThanSeconds: scheduled.olderThanDays * 86_400,
        purge: scheduled.purge,
      },
      config.storage.policyIntervalSeconds * 1000,
    );
  }
  const backups = new BackupRunner(nc, store, storage.manager, logger);
  if (config.backup) {
    backups.schedule(
      { to: config.backup.to, incremental: config.backup.incremental },
      scheduleMs(config.backup.schedule),
    );
  }
  return {
    context: {
      service,
      catalog,
      content,
      catalogRunner: thread,
      storage: storage.manager,
      policies,
      reads,
      verifications,
      scrubber,
      archive: storage.archive,
      archiver,
      backups,
    },
    async stop() {
      await backups.stop();
      await archiver.stop();
      await scrubber.stop();
      await verifications.settled();
      await policies.stop();
      await reads.settled();
      await thread.stop();
      catalog.close();
      await storage.manager.close();
    },
  };
}
