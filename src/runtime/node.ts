import { mkdirSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/nats-core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { ManagedNatsServer } from '../nats/managed-server.js';
import { connectNats, natsClientAuth } from '../nats/connect.js';
import { managedAuth } from '../nats/auth/managed-auth.js';
import { awaitProvisioned, provision } from '../nats/provision.js';
import { replicasFor } from '../nats/replicas.js';
import { assertPortFree } from '../nats/free-port.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { Dispatcher } from '../api/dispatcher.js';
import { serveOnNats } from '../api/nats-responder.js';
import { buildHttpServer, listen } from '../api/http-server.js';
import { Metrics } from '../api/metrics.js';
import { localUnitAccess } from '../api/unit-access.js';
import type { UnitAccess } from '../api/unit-access.js';
import { openRemoteUnitAccess } from './ui-unit-access.js';
import { readHttpTls } from './http-tls.js';
import type { OperationContext } from '../api/operation.js';
import { OPERATIONS } from '../api/operations/index.js';
import type { ComponentName } from '../core/components.js';
import { openStorage } from '../storage/open-storage.js';
import { startUnits } from './units-component.js';
import { startPresence } from './registry-component.js';
import { startPipelines } from './pipeline-component.js';
import { startHub } from './hub-component.js';
import { ComponentRegistry } from '../registry/component-registry.js';
import { CIM_VERSION } from './version.js';
import { readMarks } from '../events/read-marks.js';
import { assertNotRestoring } from './restore-node.js';
import { startAuth } from './auth-component.js';

/** A running CIM process. */
export interface RunningNode {
  /** Base URL of the HTTP API and UI, when this process serves HTTP. */
  readonly httpUrl: string | undefined;
  readonly natsUrl: string;
  readonly serverVersion: string;
  /** The managed nats-server, when this process started one. */
  readonly managedNats: ManagedNatsServer | undefined;
  /** True while the node runs without sign-in (no user yet, HTTP on loopback only). */
  localMode(): boolean;
  /** Stops HTTP, NATS responders, the connection and the managed server, in that order. */
  stop(): Promise<void>;
}

/**
 * Starts the given components: a managed nats-server unless `config.nats.url` is set, then
 * provisioning, the event store, the NATS API of each component and, with `ui`, the HTTP server.
 * Any failure undoes what was started.
 */
export async function startNode(
  configured: Config,
  components: readonly ComponentName[],
  logger: Logger,
): Promise<RunningNode> {
  const auth = configured.nats.url === undefined ? managedAuth(configured, components) : {};
  // The managed server's user becomes this process's: every connection below reads it from here.
  const config: Config =
    auth.credentials !== undefined
      ? { ...configured, nats: { ...configured.nats, credentials: auth.credentials } }
      : configured;
  assertNotRestoring(config.dataDir);
  const serveHttp = components.includes('ui');
  if (serveHttp && config.http.port !== 0) await assertPortFree(config.http.host, config.http.port);
  const undo: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const step of undo.reverse())
      await step().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
    undo.length = 0;
  };
  try {
    let natsUrl = config.nats.url;
    let managedNats: ManagedNatsServer | undefined;
    if (natsUrl === undefined) {
      mkdirSync(config.dataDir, { recursive: true });
      managedNats = new ManagedNatsServer({
        dataDir: config.dataDir,
        port: config.nats.port,
        serverBin: config.nats.serverBin,
        sync: config.nats.sync,
        resolver: auth.resolver,
        logger,
      });
      await managedNats.start();
      const server = managedNats;
      undo.push(() => server.stop());
      natsUrl = managedNats.url;
    }
    const nc: NatsConnection = await connectNats(natsUrl, {
      name: `cim ${components.join(',')}`,
      logger,
      ...natsClientAuth(config.nats),
    });
    // A failed drain (server already gone) must still close, or reconnect attempts keep us alive.
    undo.push(() => nc.drain().catch(() => nc.close()));
    const replicas = replicasFor(nc, config.nats.replicas);
    // A ui alone under its own NATS user may not create streams: the components that write do.
    const report =
      config.nats.credentials !== undefined && components.every((c) => c === 'ui')
        ? await awaitProvisioned(nc)
        : await provision(nc, {
            duplicateWindowSeconds: config.events.duplicateWindowSeconds,
            replicas,
          });
    logger.info(
      {
        serverVersion: report.serverVersion,
        replicas,
        created: report.created,
        updated: report.updated,
      },
      'NATS provisioned',
    );
    const store = await JetStreamEventStore.open(nc, {
      maxEventBytes: config.events.maxEventBytes,
    });
    const units = components.includes('units')
      ? await startUnits(nc, natsUrl, store, config, logger)
      : undefined;
    if (units) undo.push(() => units.stop());
    // The hub ingests through the units' services and rights, so it runs where units runs (a
    // component of its own, with its own NATS user, is still to come).
    const hub = units ? await startHub(nc, store, config, logger) : undefined;
    if (hub) undo.push(() => hub.stop());
    const pipelines = components.includes('pipeline')
      ? await startPipelines(nc, store, config, logger)
      : undefined;
    if (pipelines) undo.push(() => pipelines.stop());
    if (!units && !pipelines && components.includes('events')) {
      // The events component alone still reads history purged into the event archive.
      const storage = await openStorage(nc, store, config.storage.tiers, logger);
      undo.push(() => storage.manager.close());
    }
    const signIn = await startAuth(
      nc,
      store,
      config,
      serveHttp ? config.http.host : undefined,
      logger,
    );
    undo.push(async () => signIn.close());
    if (signIn.localMode())
      logger.warn(
        'no sign-in: this node has no user yet, so every caller is "local" (loopback only); create the first admin with cim admin create',
      );
    const registry = await ComponentRegistry.open(nc);
    const ctx: OperationContext = {
      auth: signIn.service,
      signInRequired: () => signIn.authentication.signInRequired(),
      units: units?.context,
      pipelines: pipelines?.context,
      hub: hub?.context,
      registry,
      store,
      version: CIM_VERSION,
      nats: { url: natsUrl, serverVersion: report.serverVersion, features: report.features },
      components,
      startedAt: new Date().toISOString(),
      readMarks: async () => [
        ...(await readMarks(nc)),
        ...(units ? units.context.catalog.checkpoints() : []),
      ],
    };
    const local = OPERATIONS.filter(
      (op) => (components as readonly string[]).includes(op.component) || op.component === 'node',
    );
    const api = await serveOnNats(nc, local, ctx, signIn.authentication, logger);
    undo.push(() => api.stop());
    const offered = new Map([
      ['pipeline', pipelines ? [...pipelines.context.plugins.capabilities()] : []],
    ]);
    const presence = await startPresence(
      registry,
      components,
      api.endpoints,
      offered,
      config,
      logger,
    );
    // Registered last and so removed first: the component leaves the registry before it stops.
    undo.push(() => presence.stop());

    let httpUrl: string | undefined;
    if (serveHttp) {
      const metrics = new Metrics();
      if (units) metrics.watchStorage(units.context.storage, units.context.scrubber);
      const dispatcher = new Dispatcher(ctx, nc);
      let unitAccess: UnitAccess;
      if (units) {
        unitAccess = localUnitAccess(units.context);
      } else {
        const remote = await openRemoteUnitAccess(nc, store, dispatcher, config, logger);
        undo.push(() => remote.close());
        unitAccess = remote.access;
      }
      const app: FastifyInstance = buildHttpServer({
        operations: OPERATIONS,
        version: CIM_VERSION,
        dispatcher,
        metrics,
        logger,
        // The live stream reads JetStream over this process's own connection, so a ui
        // component running alone (one per container) still follows events live.
        store,
        units: unitAccess,
        bodyLimit: config.http.bodyLimitBytes ?? config.events.maxEventBytes * 4,
        maxUploadFiles: config.http.maxUploadFiles,
        requestTimeoutMs: config.http.requestTimeoutSeconds * 1000,
        idleTimeoutMs: config.http.idleTimeoutSeconds * 1000,
        ...(config.http.tls ? { tls: readHttpTls(config.http.tls, process.env) } : {}),
        authentication: signIn.authentication,
        auth: signIn.service,
      });
      undo.push(() => app.close());
      const bound = await listen(app, config.http.host, config.http.port);
      const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
      httpUrl = `${config.http.tls ? 'https' : 'http'}://${host}:${bound.port}`;
    }
    return {
      httpUrl,
      natsUrl,
      serverVersion: report.serverVersion,
      managedNats,
      localMode: () => signIn.localMode(),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
