import { parentPort, workerData } from 'node:worker_threads';
import { Kvm } from '@nats-io/kv';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { KvFailureLog } from '../events/kv-projection-state.js';
import { ProjectionRunner } from '../events/projection-runner.js';
import { CatalogWriter } from '../knowledge/catalog-writer.js';
import { CatalogProjection, SqliteCheckpointStore } from '../knowledge/catalog-projection.js';
import { connectNats } from '../nats/connect.js';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import { openStorage } from '../storage/open-storage.js';
import { RecentContent } from '../storage/recent-content.js';
import { createLogger } from './logger.js';
import type { CatalogThreadMessage, CatalogWorkerSetup } from './catalog-thread.js';

/**
 * The catalog projection on its own thread: it follows the event stream with its own NATS
 * connection and writes SQLite, so indexing never holds the node's main thread. It tells the
 * main thread how far the committed catalog reaches, and takes content the node has just
 * stored so it need not read it back.
 */
const port = parentPort!;
const setup = workerData as CatalogWorkerSetup;
const logger = createLogger(setup.logLevel, 'cim-catalog', setup.logFormat);

/** How often the committed position is looked at; commits happen every 20 ms. */
const REPORT_MS = 5;
const COMMIT_MS = 20;

const post = (message: CatalogThreadMessage) => port.postMessage(message);

try {
  const nc = await connectNats(setup.natsUrl, {
    name: 'cim catalog',
    logger,
    ...setup.natsAuth,
  });
  const store = await JetStreamEventStore.open(nc, { maxEventBytes: setup.maxEventBytes });
  // Content tiered out of hot is indexed from where it is, so a rebuild still finds its text.
  const { manager: content } = await openStorage(nc, store, setup.tiers, logger);
  const recent = new RecentContent();
  const catalog = CatalogWriter.open(setup.path);
  catalog.groupCommits(COMMIT_MS, (err) => {
    // The group's events are gone from the database but not from the runner's position: the
    // thread ends, and its successor resumes from the last committed checkpoint.
    logger.error({ err }, 'catalog write failed: the catalog restarts from its last commit');
    process.exit(1);
  });
  const runner = new ProjectionRunner(
    new CatalogProjection(catalog, content, logger, recent),
    store,
    new SqliteCheckpointStore(catalog),
    new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET)),
    logger,
  );
  await runner.start();
  let reported = -1;
  const report = () => {
    // Outside a transaction everything applied is committed, so readers on other connections see it.
    if (catalog.db.inTransaction) return;
    const position = runner.status().position;
    if (position !== reported) {
      reported = position;
      post({ type: 'committed', position });
    }
  };
  const timer = setInterval(report, REPORT_MS);
  port.on(
    'message',
    (message: { type: 'remember'; cid: string; bytes: Uint8Array } | { type: 'stop' }) => {
      if (message.type === 'remember') {
        recent.remember(message.cid, message.bytes);
        return;
      }
      void (async () => {
        clearInterval(timer);
        await runner.stop();
        catalog.close();
        await nc.drain().catch(() => nc.close());
        post({ type: 'stopped' });
      })();
    },
  );
  report();
  post({ type: 'ready', position: runner.status().position });
} catch (err) {
  logger.error({ err }, 'catalog could not start');
  post({ type: 'failed', message: (err as Error).message });
}
