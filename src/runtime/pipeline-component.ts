import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { EventStore } from '../events/event-store.js';
import { JetStreamEventReader } from '../events/jetstream-event-reader.js';
import { DirectReader } from '../nats/fast-path/index.js';
import { streamReplicas } from '../nats/stream-replicas.js';
import { EVENTS_STREAM, eventFilter } from '../core/subjects.js';
import { KvFailureLog } from '../events/kv-projection-state.js';
import { MemoryCheckpointStore } from '../events/memory-checkpoint-store.js';
import { ProjectionRunner } from '../events/projection-runner.js';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import { DeadLetters } from '../pipeline/dead-letters.js';
import { PipelineCatalog } from '../pipeline/pipeline-catalog.js';
import { PipelineEngine } from '../pipeline/pipeline-engine.js';
import { PipelineService } from '../pipeline/pipeline-service.js';
import { applyFirstRunPipeline } from '../pipeline/first-run.js';
import { StepResults } from '../pipeline/step-results.js';
import type { PipelinesContext } from '../api/operation.js';
import type { Config } from '../core/config.js';
import { loadPlugins } from '../plugins/plugin-loader.js';
import { PluginSet } from '../plugins/plugin-registry.js';
import { builtinPlugin } from '../processors/builtin-plugin.js';
import { RemoteProcessors } from '../plugins/remote-processor.js';
import { ComponentRegistry } from '../registry/component-registry.js';
import { openStorage } from '../storage/open-storage.js';
import { UnitService } from '../units/unit-service.js';
import { defaultWorkers, ProcessorPool } from '../pipeline/processor-pool.js';

/** The running pipeline component and how to stop it. */
export interface PipelineComponent {
  readonly context: PipelinesContext;
  stop(): Promise<void>;
}

/**
 * Starts the pipeline component: the plugins named in the configuration (a plugin that fails to
 * load or is refused is reported and left out; the node still starts), commands on definitions
 * (recorded as events), the pipelines read model (rebuilt in memory from the stream) and the
 * engine that runs every pipeline that is not paused.
 */
export async function startPipelines(
  nc: NatsConnection,
  store: EventStore,
  config: Config,
  logger: Logger,
): Promise<PipelineComponent> {
  const loaded = await loadPlugins(config.plugins, {
    baseDir: process.cwd(),
    builtins: [builtinPlugin],
    logger,
  });
  for (const refused of loaded.refused) {
    logger.error({ plugin: refused.spec, reason: refused.error.message }, 'plugin refused');
  }
  const plugins = new PluginSet(loaded);
  const workers = config.pipeline.workers ?? defaultWorkers();
  const pool =
    workers > 0
      ? new ProcessorPool({ plugins: config.plugins, baseDir: process.cwd() }, workers, logger)
      : undefined;
  await pool?.ready();
  const catalog = new PipelineCatalog();
  const runner = new ProjectionRunner(
    catalog,
    store,
    new MemoryCheckpointStore(),
    new KvFailureLog(await new Kvm(nc).open(PROJECTIONS_BUCKET)),
    logger,
  );
  // Storage first: it lets the store read archived history, which the catalog replays.
  const { manager: content } = await openStorage(nc, store, config.storage.tiers, logger);
  await runner.start();
  // Pipelines start only once the catalog knows their state as recorded when the node started:
  // a pipeline paused long ago must not run while its Paused event is still being replayed.
  const lastDefinition = await new DirectReader(nc).getFromLeader(EVENTS_STREAM, {
    last_by_subj: eventFilter(catalog.filter),
  });
  if (lastDefinition) await runner.waitFor(lastDefinition.seq);
  const js = jetstream(nc, { timeout: 10_000 });
  const jsm = await jetstreamManager(nc);
  const engine = new PipelineEngine({
    events: store,
    content,
    units: new UnitService(store, content, {
      spoolDir: join(config.dataDir, 'spool'),
      maxContentBytes: config.units.maxContentBytes,
    }),
    plugins,
    remote: new RemoteProcessors(nc, await ComponentRegistry.open(nc)),
    ...(pool ? { pool } : {}),
    inlineMaxBytes: config.pipeline.inlineMaxBytes,
    results: await StepResults.open(nc),
    deadLetters: await DeadLetters.open(nc),
    logger,
    processorTimeoutMs: config.pipeline.processorTimeoutSeconds * 1000,
    ackWaitSeconds: config.pipeline.ackWaitSeconds,
    js,
    jsm,
    reader: new JetStreamEventReader(
      js,
      new DirectReader(nc, { replicated: (await streamReplicas(nc, EVENTS_STREAM)) > 1 }),
    ),
    catalog,
  });
  engine.start();
  const service = new PipelineService(store);
  await applyFirstRunPipeline(config.pipeline.firstRun, catalog, service, logger);
  return {
    context: { service, catalog, runner, plugins, engine },
    async stop() {
      await engine.stop();
      await runner.stop();
      await pool?.stop();
      await content.close();
    },
  };
}
