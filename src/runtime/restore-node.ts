import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { InvalidConfigError, InvalidInputError, UnavailableError } from '../core/errors.js';
import { connectNats, natsClientAuth } from '../nats/connect.js';
import { ManagedNatsServer } from '../nats/managed-server.js';
import { fsyncOne, fsyncTree } from './fsync-tree.js';
import { provision, PROVISIONED_STREAMS } from '../nats/provision.js';
import { replicasFor } from '../nats/replicas.js';
import { BackupReader } from '../storage/backup/backup-reader.js';
import type { RestoreCounts } from '../storage/backup/backup-restore.js';
import { restoreBackup } from '../storage/backup/backup-restore.js';
import { backupTier, chooseBackup, manifestChain } from '../storage/backup/backup-shelf.js';
import { JetStreamTier } from '../storage/tiers/jetstream-tier.js';
import { openTiers } from '../storage/tiers/open-tiers.js';
import { CatalogThread } from './catalog-thread.js';
import { EVENTS_STREAM, eventFilter } from '../core/subjects.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { DirectReader } from '../nats/fast-path/index.js';
import { UNITS_DOMAIN } from '../units/unit-events.js';

/**
 * The sync policy of a restore's own server: a timer, as nats-server's default. The restore makes
 * its folder durable once, at its end (see restoreNode).
 */
const RESTORE_SYNC = '2m';

/** A data folder holding this file is a restore that has not finished: no node starts on it. */
export const RESTORING_MARKER = 'RESTORING';

/** Refuses a data folder a restore has not finished writing. */
export function assertNotRestoring(dataDir: string): void {
  if (existsSync(join(dataDir, RESTORING_MARKER))) {
    throw new InvalidConfigError(
      `The data folder ${dataDir} holds a restore that did not finish: delete the folder and run cim restore again.`,
    );
  }
}

/**
 * Refuses a server (a new cluster) that already holds any of CIM's streams; returns the streams
 * the restore will make, to delete should it fail.
 */
async function assertNothingStored(nc: NatsConnection, url: string): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const existing = new Set<string>();
  for await (const name of jsm.streams.names()) existing.add(name);
  const found = PROVISIONED_STREAMS.filter((s) => existing.has(s));
  if (found.length > 0) {
    throw new InvalidInputError(
      `The NATS server at ${url} already holds ${found.join(', ')}: restore into a new cluster (nothing was written).`,
    );
  }
  return [...PROVISIONED_STREAMS];
}

async function removeStreams(nc: NatsConnection, streams: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
}

/** What `cim restore` did. */
export interface RestoreReport extends RestoreCounts {
  readonly manifest: string;
  readonly chain: readonly string[];
  readonly createdAt: string;
  readonly dataDir: string;
  readonly seconds: number;
  /** Seconds each phase took: events, state (KV), content, consumers, catalog. */
  readonly phases: Readonly<Record<string, number>>;
}

/**
 * Rebuilds a node from a backup in tier `from` onto an empty data folder: a managed nats-server
 * on the folder (or, with `nats.url`, a new cluster holding nothing of CIM's yet, provisioned
 * with its replicas), the events, KV state, content and consumers written back (each object and event
 * verified as it is read), then the catalog rebuilt from the restored events. Anything that fails
 * removes everything written, so the folder is either a whole node or empty again; a kill midway
 * leaves the {@link RESTORING_MARKER}, which `cim up` refuses.
 */
export async function restoreNode(
  config: Config,
  options: { readonly from: string; readonly manifest?: string | undefined },
  logger: Logger,
  onProgress: (phase: string, counts: RestoreCounts) => void = () => undefined,
): Promise<RestoreReport> {
  const started = Date.now();
  const dir = config.dataDir;
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new InvalidInputError(
      `The data folder ${dir} is not empty: restore into a new or empty folder (nothing was written).`,
    );
  }
  const tiers = await openTiers(config.storage.tiers);
  let nats: ManagedNatsServer | undefined;
  let nc: NatsConnection | undefined;
  let created = false;
  /** On a server of one's own (a cluster), what to delete should the restore fail. */
  let provisioned: string[] = [];
  try {
    const found = tiers.find((t) => t.name === options.from);
    if (!found) {
      throw new InvalidInputError(
        `There is no tier ${JSON.stringify(options.from)} in storage.tiers to restore from: name it in the config file (--config).`,
      );
    }
    const tier = backupTier(found);
    const head = await chooseBackup(tier, options.manifest);
    const chain = await manifestChain(tier, head);
    mkdirSync(dir, { recursive: true });
    created = true;
    writeFileSync(
      join(dir, RESTORING_MARKER),
      `cim restore from tier ${tier.name}, manifest ${head}, started ${new Date(started).toISOString()}\n`,
    );
    // On disk before anything else is: a power cut midway must leave the marker, never a
    // folder that looks like a whole node.
    await fsyncOne(join(dir, RESTORING_MARKER));
    await fsyncOne(dir);
    let natsUrl = config.nats.url;
    if (natsUrl === undefined) {
      nats = new ManagedNatsServer({
        dataDir: dir,
        port: 0,
        serverBin: config.nats.serverBin,
        // Nothing serves this folder until the restore is over (`cim up` refuses it while the
        // marker is there, and a failed restore empties it), so no write of it needs to be
        // durable before its end: the server syncs on its timer, and once it has stopped
        // every file is fsynced, before the marker goes. One fsync per event, KV entry and
        // content message made the restore several times slower than a fresh ingest.
        sync: RESTORE_SYNC,
        logger,
      });
      await nats.start();
      natsUrl = nats.url;
    }
    nc = await connectNats(natsUrl, {
      name: 'cim restore',
      logger,
      ...natsClientAuth(config.nats),
    });
    if (config.nats.url !== undefined) provisioned = await assertNothingStored(nc, natsUrl);
    await provision(nc, {
      duplicateWindowSeconds: config.events.duplicateWindowSeconds,
      replicas: replicasFor(nc, config.nats.replicas),
    });
    const hot = await JetStreamTier.open(nc);
    const reader = new BackupReader(tier, chain);
    const phases: Record<string, number> = {};
    let phase = 'events';
    let phaseStarted = Date.now();
    const progress = (next: string, counts: RestoreCounts) => {
      if (next !== phase) {
        phases[phase] = (Date.now() - phaseStarted) / 1000;
        phase = next;
        phaseStarted = Date.now();
      }
      onProgress(next, counts);
    };
    const counts = await restoreBackup(
      nc,
      reader,
      { backup: tier, hot, others: tiers.filter((t) => t !== found) },
      progress,
    );
    progress('catalog', counts);
    const catalog = await CatalogThread.start(
      {
        natsUrl,
        natsAuth: natsClientAuth(config.nats),
        path: join(dir, 'read-models', 'catalog.sqlite'),
        logLevel: config.log.level,
        logFormat: config.log.format ?? 'json',
        maxEventBytes: config.events.maxEventBytes,
        tiers: config.storage.tiers,
      },
      logger,
    );
    // The catalog reports the position of the last event it reads, one of the units domain's.
    const lastUnitEvent = await new DirectReader(nc).getFromLeader(EVENTS_STREAM, {
      last_by_subj: eventFilter({ domain: UNITS_DOMAIN }),
    });
    await catalog.waitFor(lastUnitEvent?.seq ?? 0);
    await catalog.stop();
    progress('done', counts);
    await hot.close();
    await nc.drain();
    nc = undefined;
    if (nats) {
      const stopped = await nats.stop(60_000);
      nats = undefined;
      if (stopped !== 'clean') {
        throw new UnavailableError(
          "The restore's nats-server did not stop by itself, so its store may miss writes: run the restore again into an empty folder.",
        );
      }
      await fsyncTree(dir);
    }
    rmSync(join(dir, RESTORING_MARKER));
    await fsyncOne(dir);
    return {
      ...counts,
      manifest: head,
      chain: chain.map((l) => l.cid),
      createdAt: reader.head.createdAt,
      dataDir: dir,
      seconds: (Date.now() - started) / 1000,
      phases,
    };
  } catch (err) {
    if (nc && provisioned.length > 0) await removeStreams(nc, provisioned);
    await nc?.close().catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    // The folder was empty: everything in it is this restore's, and none of it is to be kept.
    if (created) {
      for (const entry of readdirSync(dir))
        rmSync(join(dir, entry), { recursive: true, force: true });
    }
    throw err;
  } finally {
    await Promise.all(tiers.map((t) => t.close()));
  }
}
