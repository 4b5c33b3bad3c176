import { DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeEnvelope } from '../../core/envelope.js';
import { IntegrityError } from '../../core/errors.js';
import { EVENTS_PREFIX, EVENTS_STREAM } from '../../core/subjects.js';
import { headersFor } from '../../events/sealed-append.js';
import type { Ack } from '../../nats/fast-path/index.js';
import { AckPublisher, OutgoingHeaders } from '../../nats/fast-path/index.js';
import type { StorageTier } from '../tiers/storage-tier.js';
import type { BackupReader } from './backup-reader.js';

/** What a restore wrote. */
export interface RestoreCounts {
  events: number;
  aggregates: number;
  kvEntries: number;
  /** Content objects copied into hot, and their bytes. */
  objects: number;
  bytes: number;
  /** Objects found where they stayed, in tiers outside the node. */
  tiered: number;
  consumers: number;
}

/** Publishes in flight at once while replaying events and KV entries. */
const PUBLISH_WINDOW = 512;
/** Content objects copied into hot at once. */
const COPY_CONCURRENCY = 16;

/** Where a gap in the stream's positions is filled (and then deleted), inside the stream's subjects. */
const GAP_SUBJECT = `${EVENTS_PREFIX}.restore.Gap.filler`;

/** Keeps up to {@link PUBLISH_WINDOW} publishes in flight; the first refusal is thrown. */
class Window {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;

  async add(ack: Promise<Ack>, check: (ack: Ack) => void): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const p: Promise<void> = ack.then(check).then(
      () => {
        this.pending.delete(p);
      },
      (err: unknown) => {
        this.pending.delete(p);
        this.failure ??= err;
      },
    );
    this.pending.add(p);
    if (this.pending.size >= PUBLISH_WINDOW) await Promise.race(this.pending);
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * Writes a verified backup into an empty JetStream (provisioned, nothing recorded): every event
 * at its own position with its own headers (the server checks each lands at that position and
 * after its aggregate's previous event), the KV entries, the hot tier's content from the backup
 * tier, and the durable consumers at their acknowledged positions. The reader verifies each
 * object and event as it is read and throws at the first fault; the caller then discards the
 * whole data folder.
 */
export async function restoreBackup(
  nc: NatsConnection,
  reader: BackupReader,
  tiers: {
    readonly backup: StorageTier;
    readonly hot: StorageTier;
    readonly others: readonly StorageTier[];
  },
  onProgress: (phase: string, counts: RestoreCounts) => void = () => undefined,
): Promise<RestoreCounts> {
  const counts: RestoreCounts = {
    events: 0,
    aggregates: 0,
    kvEntries: 0,
    objects: 0,
    bytes: 0,
    tiered: 0,
    consumers: 0,
  };
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(EVENTS_STREAM);
  if (info.state.last_seq !== 0) {
    throw new IntegrityError(
      `The stream ${EVENTS_STREAM} is not empty: restore into an empty data folder.`,
    );
  }
  const publisher = new AckPublisher(nc);
  const window = new Window();
  const gaps: number[] = [];
  let next = 1;
  for await (const e of reader.events()) {
    while (next < e.position) {
      const at = next++;
      gaps.push(at);
      const h = new OutgoingHeaders();
      h.append('Nats-Expected-Last-Sequence', String(at - 1));
      await window.add(publisher.publish(GAP_SUBJECT, new Uint8Array(0), h), (ack) =>
        landedAt(ack, at),
      );
    }
    const envelope = decodeEnvelope(e.body)!;
    const h = headersFor({ envelope, body: e.body, cid: e.cid }, e.prevPosition);
    h.append('Nats-Expected-Last-Sequence', String(e.position - 1));
    const position = e.position;
    await window.add(publisher.publish(e.subject, e.body, h), (ack) => landedAt(ack, position));
    next = position + 1;
    counts.events++;
    if (counts.events % 5_000 === 0) onProgress('events', counts);
  }
  await window.drain();
  for (const seq of gaps) await jsm.streams.deleteMessage(EVENTS_STREAM, seq, false);
  counts.aggregates = reader.eventStats.aggregates;
  onProgress('state', counts);

  for (const bucket of reader.buckets()) {
    for await (const entry of reader.kvEntries(bucket)) {
      const h = new OutgoingHeaders();
      if (entry.operation !== 'PUT') h.append('KV-Operation', entry.operation);
      if (entry.operation === 'PURGE') h.append('Nats-Rollup', 'sub');
      await window.add(
        publisher.publish(`$KV.${bucket}.${entry.key}`, entry.value, h),
        () => undefined,
      );
      counts.kvEntries++;
    }
  }
  await window.drain();
  onProgress('content', counts);

  for (const content of reader.head.content) {
    const objects = await reader.contentOf(content);
    if (!content.copied) {
      const tier = tiers.others.find((t) => t.name === content.tier);
      if (!tier) {
        throw new IntegrityError(
          `The backup's content of tier ${content.tier} stayed in that tier, which the configuration does not name: add it to storage.tiers.`,
        );
      }
      counts.tiered += await reader.checkPresent(tier, objects);
      continue;
    }
    if (content.tier !== tiers.hot.name) {
      throw new IntegrityError(
        `The backup copied content of tier ${content.tier}, which is not hot.`,
      );
    }
    let i = 0;
    const copy = async () => {
      while (i < objects.length) {
        const entry = objects[i++]!;
        // Not streamed: content up to 8 MiB is then read (and verified) in one request.
        const found = await tiers.backup.get(entry.cid);
        if (!found) {
          throw new IntegrityError(
            `The backup's copy of ${entry.cid} is missing from tier ${tiers.backup.name}.`,
          );
        }
        await tiers.hot.put(entry.cid, found.size, () => found.stream(), {
          sourceVerified: true,
          skipLookup: true,
        });
        counts.objects++;
        counts.bytes += found.size;
        if (counts.objects % 1_000 === 0) onProgress('content', counts);
      }
    };
    await Promise.all(Array.from({ length: COPY_CONCURRENCY }, copy));
  }
  onProgress('consumers', counts);

  for (const consumer of reader.head.consumers) {
    const config = JSON.parse(consumer.config) as ConsumerConfig;
    const { opt_start_time: _time, ...kept } = config;
    await jsm.consumers.add(
      EVENTS_STREAM,
      consumer.ackFloor > 0
        ? {
            ...kept,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: consumer.ackFloor + 1,
          }
        : config,
    );
    counts.consumers++;
  }
  return counts;
}

function landedAt(ack: Ack, position: number): void {
  if (ack.duplicate || ack.seq !== position) {
    throw new IntegrityError(
      `The event at position ${position} landed at ${ack.seq}${ack.duplicate ? ' as a duplicate' : ''}: the stream was not empty or the backup repeats an event id.`,
    );
  }
}
