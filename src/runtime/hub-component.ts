import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { EventStore } from '../events/event-store.js';
import { KvFailureLog } from '../events/kv-projection-state.js';
import { MemoryCheckpointStore } from '../events/memory-checkpoint-store.js';
import { ProjectionRunner } from '../events/projection-runner.js';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import { EVENTS_STREAM, eventFilter } from '../core/subjects.js';
import type { Config } from '../core/config.js';
import { DirectReader } from '../nats/fast-path/index.js';
import { loadPlugins } from '../plugins/plugin-loader.js';
import { PluginSet } from '../plugins/plugin-registry.js';
import { hubPlugin } from '../hub/connectors/index.js';
import { ConnectorCatalog } from '../hub/connector-catalog.js';
import { HubRunner } from '../hub/hub-runner.js';
import { ConnectorSources } from '../hub/connector-sources.js';
import { HubService } from '../hub/hub-service.js';
import type { HubContext } from '../hub/hub-context.js';
import { openStorage } from '../storage/open-storage.js';
import { UnitService } from '../units/unit-service.js';

/** The running hub component and how to stop it. */
export interface HubComponent {
  readonly context: HubContext;
  stop(): Promise<void>;
}

/**
 * Starts the hub: the connector kinds (built-in `cim-hub`, then the configured plugins), the
 * connectors read model (rebuilt in memory from the stream) and the runner, started once the
 * read model knows every connector's state and cursor as recorded, so a restart resumes each
 * from its last checkpoint and a connector paused long ago stays paused.
 */
export async function startHub(
  nc: NatsConnection,
  store: EventStore,
  config: Config,
  logger: Logger,
): Promise<HubComponent> {
  const loaded = await loadPlugins(config.plugins, {
    baseDir: process.cwd(),
    builtins: [hubPlugin],
    logger,
  });
  for (const refused of loaded.refused) {
    logger.error({ plugin: refused.spec, reason: refused.error.message }, 'plugin refused');
  }
  const plugins = new PluginSet(loaded);
  const catalog = new ConnectorCatalog();
  const projection = new ProjectionRunner(
    catalog,
    store,
    new MemoryCheckpointStore(),
    new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET)),
    logger,
  );
  const { manager: content } = await openStorage(nc, store, config.storage.tiers, logger);
  const sources = new ConnectorSources();
  const sourcesRunner = new ProjectionRunner(
    sources,
    store,
    new MemoryCheckpointStore(),
    new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET)),
    logger,
  );
  await projection.start();
  await sourcesRunner.start();
  // Not awaited here (replaying every document event would hold the hub's start): a connector
  // asking which sources it has waits for it then.
  sources.setCatchUp(async () => {
    const lastDocument = await new DirectReader(nc).getFromLeader(EVENTS_STREAM, {
      last_by_subj: eventFilter(sources.filter),
    });
    if (lastDocument) await sourcesRunner.waitFor(lastDocument.seq);
  });
  const last = await new DirectReader(nc).getFromLeader(EVENTS_STREAM, {
    last_by_subj: eventFilter(catalog.filter),
  });
  if (last) await projection.waitFor(last.seq);
  const runner = new HubRunner({
    events: store,
    units: new UnitService(store, content, {
      spoolDir: join(config.dataDir, 'spool'),
      maxContentBytes: config.units.maxContentBytes,
    }),
    catalog,
    sources,
    plugins,
    logger,
    tempRoot: join(config.dataDir, 'hub', 'tmp'),
  });
  runner.start();
  return {
    context: {
      service: new HubService(store),
      catalog,
      plugins,
      waitFor: (position) => projection.waitFor(position),
      runNow: (name) => runner.runNow(name),
    },
    async stop() {
      await runner.stop();
      await sourcesRunner.stop();
      await projection.stop();
      await content.close();
    },
  };
}
