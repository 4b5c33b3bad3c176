import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import {
  AUTH_SESSIONS_BUCKET,
  AUTH_TOKENS_BUCKET,
  AUTH_USERS_BUCKET,
  CONTENT_BUCKET,
  CONTENT_READS_BUCKET,
  DEAD_LETTERS_BUCKET,
  PROJECTIONS_BUCKET,
  REGISTRY_BUCKET,
  STEP_RESULTS_BUCKET,
} from '../core/buckets.js';
import { EVENTS_PREFIX, EVENTS_STREAM } from '../core/subjects.js';
import { UnavailableError } from '../core/errors.js';
import { isApiError, JetStreamApiCodes } from './api-error.js';
import { detectFeatures } from './features.js';
import { isPlacementPending, PLACEMENT_WAIT_MS } from './placement.js';
import type { ServerFeatures } from './features.js';

/** Records in the registry older than this are removed by the server even if nobody sweeps. */
const REGISTRY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The KV buckets provisioning makes. */
const KV_BUCKETS = [
  PROJECTIONS_BUCKET,
  STEP_RESULTS_BUCKET,
  DEAD_LETTERS_BUCKET,
  CONTENT_READS_BUCKET,
  REGISTRY_BUCKET,
  AUTH_USERS_BUCKET,
  AUTH_TOKENS_BUCKET,
  AUTH_SESSIONS_BUCKET,
] as const;

/** Every stream provisioning makes: the events, the KV buckets' and the object store's. */
export const PROVISIONED_STREAMS: readonly string[] = [
  EVENTS_STREAM,
  ...KV_BUCKETS.map((b) => `KV_${b}`),
  `OBJ_${CONTENT_BUCKET}`,
];

/** Options for {@link provision}. */
export interface ProvisionOptions {
  /** JetStream duplicate window in seconds. */
  readonly duplicateWindowSeconds: number;
  /** Replicas for streams and buckets (1 on a leaf, 3 on a cluster). */
  readonly replicas?: number;
}

/** What provisioning found and did. */
export interface ProvisionReport {
  readonly serverVersion: string;
  readonly features: ServerFeatures;
  readonly created: string[];
  readonly updated: string[];
}

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * Creates or updates, idempotently, everything CIM needs on the server: stream `CIM_EVENTS`
 * (direct get on, so aggregate heads are read in one request) and the KV buckets.
 */
export async function provision(
  nc: NatsConnection,
  options: ProvisionOptions,
): Promise<ProvisionReport> {
  const created: string[] = [];
  const updated: string[] = [];
  const deadline = Date.now() + PLACEMENT_WAIT_MS;
  // Every step is idempotent, so a refused placement (a cluster still meeting its members) is
  // waited out by running the whole provisioning again.
  for (;;) {
    try {
      return await provisionOnce(nc, options, created, updated);
    } catch (err) {
      if (!isPlacementPending(err)) throw err;
      if (Date.now() > deadline)
        throw new UnavailableError(
          `The NATS cluster cannot place ${options.replicas ?? 1} replicas of CIM's streams (${(err as Error).message}): start every member, or set nats.replicas to the number of members running.`,
          { cause: err },
        );
      await sleep(250);
    }
  }
}

async function provisionOnce(
  nc: NatsConnection,
  options: ProvisionOptions,
  created: string[],
  updated: string[],
): Promise<ProvisionReport> {
  const serverVersion = nc.info?.version ?? 'unknown';
  const features = detectFeatures(serverVersion);
  const replicas = options.replicas ?? 1;
  let jsm;
  try {
    jsm = await jetstreamManager(nc, { timeout: 10_000 });
  } catch (err) {
    throw new UnavailableError(
      `JetStream is not enabled on the NATS server at ${nc.getServer()}: start nats-server with -js.`,
      { cause: err },
    );
  }
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: EVENTS_STREAM,
    subjects: [`${EVENTS_PREFIX}.>`],
    storage: 'file' as StreamConfig['storage'],
    allow_direct: true,
    duplicate_window: options.duplicateWindowSeconds * NANOS_PER_SECOND,
    num_replicas: replicas,
  };
  try {
    const info = await jsm.streams.info(EVENTS_STREAM);
    const current = info.config;
    if (
      current.allow_direct !== true ||
      current.duplicate_window !== wanted.duplicate_window ||
      current.num_replicas !== replicas ||
      !current.subjects.includes(`${EVENTS_PREFIX}.>`)
    ) {
      await jsm.streams.update(EVENTS_STREAM, {
        ...current,
        allow_direct: true,
        duplicate_window: wanted.duplicate_window!,
        num_replicas: replicas,
        subjects: [...new Set([...current.subjects, `${EVENTS_PREFIX}.>`])],
      });
      updated.push(`stream ${EVENTS_STREAM}`);
    }
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(wanted);
    created.push(`stream ${EVENTS_STREAM}`);
  }
  const kvm = new Kvm(nc);
  const existing = new Set<string>();
  for await (const status of kvm.list()) existing.add(status.bucket);
  if (!existing.has(PROJECTIONS_BUCKET)) {
    await kvm.create(PROJECTIONS_BUCKET, { history: 1, replicas });
    created.push(`bucket ${PROJECTIONS_BUCKET}`);
  }
  for (const bucket of [
    STEP_RESULTS_BUCKET,
    DEAD_LETTERS_BUCKET,
    CONTENT_READS_BUCKET,
    AUTH_USERS_BUCKET,
    AUTH_TOKENS_BUCKET,
    AUTH_SESSIONS_BUCKET,
  ]) {
    if (existing.has(bucket)) continue;
    await kvm.create(bucket, { history: 1, replicas });
    created.push(`bucket ${bucket}`);
  }
  if (!existing.has(REGISTRY_BUCKET)) {
    await kvm.create(REGISTRY_BUCKET, { history: 1, replicas, ttl: REGISTRY_MAX_AGE_MS });
    created.push(`bucket ${REGISTRY_BUCKET}`);
  }
  const objm = new Objm(nc);
  const stores = new Set<string>();
  for await (const status of objm.list()) stores.add(status.bucket);
  if (!stores.has(CONTENT_BUCKET)) {
    await objm.create(CONTENT_BUCKET, { storage: 'file' as StreamConfig['storage'], replicas });
    created.push(`object store ${CONTENT_BUCKET}`);
  }
  // Buckets made before (an R1 node that became a cluster member) are scaled to `replicas`.
  const made = new Set(created);
  for (const [kind, name, stream] of [
    ...KV_BUCKETS.map((b) => ['bucket', b, `KV_${b}`] as const),
    ['object store', CONTENT_BUCKET, `OBJ_${CONTENT_BUCKET}`] as const,
  ]) {
    if (made.has(`${kind} ${name}`)) continue;
    const { config } = await jsm.streams.info(stream);
    if (config.num_replicas === replicas) continue;
    await jsm.streams.update(stream, { ...config, num_replicas: replicas });
    updated.push(`${kind} ${name} (${config.num_replicas} → ${replicas} replicas)`);
  }
  return { serverVersion, features, created, updated };
}

/** How long a process that does not provision waits for one that does. */
const PROVISIONED_WAIT_MS = 60_000;

/**
 * For a process whose user may read but not create CIM's streams (the ui component alone):
 * waits until the event stream exists, made by a component that provisions.
 */
export async function awaitProvisioned(nc: NatsConnection): Promise<ProvisionReport> {
  const serverVersion = nc.info?.version ?? 'unknown';
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  for (const deadline = Date.now() + PROVISIONED_WAIT_MS; ; await sleep(250)) {
    try {
      await jsm.streams.info(EVENTS_STREAM);
      return { serverVersion, features: detectFeatures(serverVersion), created: [], updated: [] };
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamNotFound) || Date.now() > deadline)
        throw new UnavailableError(
          `Stream ${EVENTS_STREAM} is not on the NATS server at ${nc.getServer()} (${(err as Error).message}): start a component that writes events (events, units or pipeline) first.`,
          { cause: err },
        );
    }
  }
}
