import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { eventCidString } from '../../core/cid.js';
import { BackupCompleted } from '../../core/catalogue/backup.js';
import { IntegrityError, InvalidInputError, toCimError } from '../../core/errors.js';
import { EVENTS_STREAM } from '../../core/subjects.js';
import type { ArchivedEvent } from '../../events/archived-history.js';
import type { EventStore } from '../../events/event-store.js';
import type { SegmentRef } from '../archive/archive-format.js';
import {
  encodeSegment,
  SEGMENT_MAX_BODY_BYTES,
  SEGMENT_MAX_EVENTS,
} from '../archive/archive-format.js';
import type { StorageManager } from '../storage-manager.js';
import { STORAGE_DOMAIN } from '../storage-events.js';
import type { TierEntry } from '../tiers/storage-tier.js';
import { BACKED_UP_BUCKETS } from './backup-buckets.js';
import type {
  BackupManifest,
  BucketBackup,
  ConsumerBackup,
  ContentListRef,
  KvEntry,
  KvSegmentRef,
  TierContent,
} from './backup-format.js';
import {
  CONTENT_LIST_MAX,
  encodeContentList,
  encodeKvSegment,
  encodeManifest,
  KV_SEGMENT_MAX_BYTES,
  KV_SEGMENT_MAX_ENTRIES,
} from './backup-format.js';
import { backupRefName, backupTier, listBackups, manifestChain } from './backup-shelf.js';
import { kvEntries } from './kv-entries.js';

/** What one backup run is asked to do. */
export interface BackupRequest {
  /** The tier the backup goes to (an S3 or folder tier of its own). */
  readonly to: string;
  /** Add to the newest backup in the tier (a full backup when there is none). */
  readonly incremental: boolean;
}

/** One backup run, as `GET /api/backup` reports it. */
export interface BackupRun {
  readonly request: BackupRequest;
  state: 'running' | 'done' | 'failed';
  phase: 'events' | 'state' | 'content' | 'manifest' | 'finished';
  /** The manifest written (once it is), and the one it adds to. */
  manifest: string | null;
  previous: string | null;
  /** Events, KV entries and content objects this run added, and the bytes it wrote. */
  events: number;
  kvEntries: number;
  objects: number;
  bytes: number;
  readonly startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** Content is copied into the backup tier this many objects at a time. */
const COPY_CONCURRENCY = 16;

/**
 * Backs a node up into a tier: the events (as event archive segments), the KV buckets that hold
 * state not derived from events ({@link BACKED_UP_BUCKETS}), the hot tier's content, where every
 * other tier's content is, and the pipelines' consumers, as content-addressed objects listed by
 * one manifest. An incremental backup writes only what the newest backup in the tier lacks and
 * names it as its previous. The manifest is named in the tier only after every object it lists
 * was stored and verified there, so a run cut short leaves nothing a restore would pick up.
 */
export class BackupRunner {
  private current: BackupRun | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly events: EventStore,
    private readonly storage: StorageManager,
    private readonly logger: Logger,
  ) {}

  /** The latest run since start, if any. */
  get lastRun(): BackupRun | undefined {
    return this.current;
  }

  /** Starts a run in the background; refuses while one is running or for an unusable tier. */
  start(request: BackupRequest): BackupRun {
    if (this.current?.state === 'running') {
      throw new InvalidInputError(
        'A backup is already under way: wait for it to finish (cim backup --status).',
      );
    }
    const tier = this.storage.tier(request.to);
    if (!tier || tier === this.storage.tiers[0]) {
      throw new InvalidInputError(
        `There is no tier ${JSON.stringify(request.to)} to back up to: choose one of ${this.storage.tiers
          .slice(1)
          .map((t) => t.name)
          .join(', ')}.`,
      );
    }
    backupTier(tier);
    const run: BackupRun = {
      request,
      state: 'running',
      phase: 'events',
      manifest: null,
      previous: null,
      events: 0,
      kvEntries: 0,
      objects: 0,
      bytes: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    this.current = run;
    void this.execute(run).then(
      () => {
        run.state = 'done';
      },
      (err: unknown) => {
        run.state = 'failed';
        run.error = toCimError(err).message;
        this.logger.warn({ err: run.error }, 'backup failed');
      },
    );
    return run;
  }

  /** Starts `request` every `intervalMs` (skipping a tick while a run is under way), until {@link stop}. */
  schedule(request: BackupRequest, intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.current?.state === 'running') return;
      try {
        this.start(request);
      } catch (err) {
        this.logger.warn({ err: toCimError(err).message }, 'scheduled backup not started');
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for the run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  /** Resolves when the current run (if any) has ended. */
  async settled(): Promise<void> {
    while (this.current?.state === 'running') await new Promise((r) => setTimeout(r, 50));
  }

  private async execute(run: BackupRun): Promise<void> {
    const started = Date.now();
    try {
      const tier = backupTier(this.storage.tier(run.request.to)!);
      const newest = run.request.incremental ? (await listBackups(tier)).at(-1) : undefined;
      const chain = newest ? await manifestChain(tier, newest.manifest) : [];
      const previous = chain.at(-1)?.manifest;
      run.previous = newest?.manifest ?? null;
      // Consumers first: their positions are then never past the events this backup holds.
      const positions = await this.consumers();
      const events = await this.sealEvents(run, previous?.events.through ?? 0);
      const consumers = positions.map((c) => ({
        ...c,
        ackFloor: Math.min(c.ackFloor, events.through),
      }));
      run.phase = 'state';
      const buckets: BucketBackup[] = [];
      for (const bucket of BACKED_UP_BUCKETS) {
        const before = previous?.buckets.find((b) => b.bucket === bucket)?.through ?? 0;
        buckets.push(await this.sealBucket(run, bucket, before));
      }
      run.phase = 'content';
      const content = await this.content(run);
      run.phase = 'manifest';
      const manifest: BackupManifest = {
        createdAt: new Date(started).toISOString(),
        previous: run.previous,
        stream: EVENTS_STREAM,
        events,
        buckets,
        content,
        consumers,
      };
      const object = encodeManifest(manifest);
      await this.put(run, object.cid, object.bytes);
      await tier.putRef(backupRefName(manifest.createdAt, object.cid), object.cid);
      run.manifest = object.cid;
      await this.events.append(
        { domain: STORAGE_DOMAIN, aggregate: 'Backup', aggregateId: tier.name },
        [
          BackupCompleted.draft({
            tier: tier.name,
            manifest: object.cid,
            previous: run.previous,
            eventsThrough: events.through,
            events: run.events,
            kvEntries: run.kvEntries,
            objects: run.objects,
            bytes: run.bytes,
            seconds: (Date.now() - started) / 1000,
          }),
        ],
        { expectedVersion: 'any', actor: 'storage' },
      );
    } finally {
      run.phase = 'finished';
      run.finishedAt = new Date().toISOString();
    }
  }

  /** Stores `bytes` as `cid` in the backup tier, verified there; counts what was written. */
  private async put(run: BackupRun, cid: string, bytes: Uint8Array): Promise<void> {
    if (await this.storage.putVerified(run.request.to, cid, bytes)) run.bytes += bytes.length;
  }

  private async consumers(): Promise<ConsumerBackup[]> {
    const jsm = await jetstreamManager(this.nc);
    const out: ConsumerBackup[] = [];
    for await (const info of jsm.consumers.list(EVENTS_STREAM)) {
      if (!info.config.durable_name) continue;
      out.push({
        name: info.config.durable_name,
        config: JSON.stringify(info.config),
        ackFloor: info.ack_floor.stream_seq,
      });
    }
    return out;
  }

  /** Seals events after `after`, up to the stream's end now, into segments in the tier. */
  private async sealEvents(run: BackupRun, after: number): Promise<BackupManifest['events']> {
    const end = await this.events.lastPosition();
    const segments: SegmentRef[] = [];
    let batch: ArchivedEvent[] = [];
    let batchBytes = 0;
    let through = after;
    const flush = async () => {
      if (batch.length === 0) return;
      const object = encodeSegment(EVENTS_STREAM, batch);
      await this.put(run, object.cid, object.bytes);
      segments.push({
        cid: object.cid,
        first: batch[0]!.position,
        last: batch.at(-1)!.position,
        events: batch.length,
        bytes: object.bytes.length,
        firstRecordedAt: batch[0]!.recordedAt,
        lastRecordedAt: batch.at(-1)!.recordedAt,
      });
      batch = [];
      batchBytes = 0;
    };
    if (end > after) {
      for await (const msg of this.events.scan({ after })) {
        if (msg.position > end) break;
        if (msg.headerCid !== eventCidString(msg.body)) {
          throw new IntegrityError(
            `The event at position ${msg.position} does not hash to its recorded CID: run cim events verify; the backup was not made.`,
          );
        }
        batch.push({ ...msg, cid: msg.headerCid });
        batchBytes += msg.body.length;
        through = msg.position;
        run.events++;
        if (batch.length >= SEGMENT_MAX_EVENTS || batchBytes >= SEGMENT_MAX_BODY_BYTES) {
          await flush();
        }
        if (msg.position >= end) break;
      }
      await flush();
    }
    return { after, through, count: run.events, segments };
  }

  /** Seals a bucket's entries after revision `after` into KV segments in the tier. */
  private async sealBucket(run: BackupRun, bucket: string, after: number): Promise<BucketBackup> {
    const segments: KvSegmentRef[] = [];
    let batch: KvEntry[] = [];
    let batchBytes = 0;
    let through = after;
    const flush = async () => {
      if (batch.length === 0) return;
      const object = encodeKvSegment(bucket, batch);
      await this.put(run, object.cid, object.bytes);
      segments.push({
        cid: object.cid,
        first: batch[0]!.revision,
        last: batch.at(-1)!.revision,
        entries: batch.length,
        bytes: object.bytes.length,
      });
      batch = [];
      batchBytes = 0;
    };
    for await (const entry of kvEntries(this.nc, bucket, after)) {
      batch.push(entry);
      batchBytes += entry.value.length + entry.key.length;
      through = entry.revision;
      run.kvEntries++;
      if (batch.length >= KV_SEGMENT_MAX_ENTRIES || batchBytes >= KV_SEGMENT_MAX_BYTES) {
        await flush();
      }
    }
    await flush();
    return { bucket, after, through, segments };
  }

  /**
   * Copies the hot tier's content the backup tier does not hold yet, then lists where every
   * other tier's content is. Content moved out of hot while this runs is found by the listing
   * of the tier it moved to, which comes after.
   */
  private async content(run: BackupRun): Promise<TierContent[]> {
    const to = run.request.to;
    const target = this.storage.tier(to)!;
    const held = new Set<string>();
    for await (const entry of target.list()) held.add(entry.cid);
    const hot = this.storage.tiers[0];
    const hotObjects: TierEntry[] = [];
    for await (const entry of hot.list()) hotObjects.push(entry);
    const missing = hotObjects.filter((e) => !held.has(e.cid));
    const gone = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const entry = missing[next++]!;
        const copied = await this.storage.copyVerified(entry.cid, hot.name, to);
        if (!copied) gone.add(entry.cid);
        else if (copied.stored) {
          run.objects++;
          run.bytes += copied.size;
        }
      }
    };
    await Promise.all(Array.from({ length: COPY_CONCURRENCY }, worker));
    const out = [
      await this.list(
        run,
        hot.name,
        true,
        hotObjects.filter((e) => !gone.has(e.cid)),
      ),
    ];
    for (const tier of this.storage.tiers.slice(1)) {
      if (tier === target) continue;
      const objects: TierEntry[] = [];
      for await (const entry of tier.list()) objects.push(entry);
      out.push(await this.list(run, tier.name, false, objects));
    }
    return out;
  }

  private async list(
    run: BackupRun,
    tier: string,
    copied: boolean,
    objects: TierEntry[],
  ): Promise<TierContent> {
    objects.sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
    const lists: ContentListRef[] = [];
    for (let i = 0; i < objects.length; i += CONTENT_LIST_MAX) {
      const part = objects.slice(i, i + CONTENT_LIST_MAX);
      const object = encodeContentList(tier, part);
      await this.put(run, object.cid, object.bytes);
      lists.push({
        cid: object.cid,
        objects: part.length,
        bytes: part.reduce((n, e) => n + e.size, 0),
      });
    }
    return {
      tier,
      copied,
      objects: objects.length,
      bytes: objects.reduce((n, e) => n + e.size, 0),
      lists,
    };
  }
}
