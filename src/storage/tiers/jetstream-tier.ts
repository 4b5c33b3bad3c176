import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { Objm, setSha256Backend } from '@nats-io/obj';
import type { ObjectStore } from '@nats-io/obj';
import { isContentCid } from '../../core/cid.js';
import { IntegrityError, InvalidInputError, UnavailableError } from '../../core/errors.js';
import { CONTENT_BUCKET } from '../../core/buckets.js';
import type { ByteSource, GetOptions, PutResult, VerifiedContent } from '../content-store.js';
import { AckPublisher, DirectReader, ReplyMux } from '../../nats/fast-path/index.js';
import { streamReplicas } from '../../nats/stream-replicas.js';
import { deleteObject, metaSubject, writeObject } from '../../nats/fast-path/index.js';
import type { ObjectWriterDeps, WriteOutcome } from '../../nats/fast-path/index.js';
import { verifiedObject } from './content-hash.js';
import type { StorageTier, TierEntry, TierStat } from './storage-tier.js';

/** The hot tier's name: the JetStream object store bucket `cim-content`. */
export const HOT_TIER = 'hot';
/** The CID of zero bytes: a name any tier may be asked about. */
const EMPTY_CONTENT_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
/** Content above this size is looked up before it is written; smaller content is just written. */
const ASK_FIRST_BYTES = 1024 * 1024;
/** The object store's layout (NATS ADR-20): its stream, and the subject of an object's chunks. */
const OBJECT_STREAM = `OBJ_${CONTENT_BUCKET}`;
const chunkSubject = (nuid: string) => `$O.${CONTENT_BUCKET}.C.${nuid}`;
const BUCKET = { name: CONTENT_BUCKET, stream: OBJECT_STREAM };
/** Attempts of a delete whose metadata keeps changing under it. */
const DELETE_ROUNDS = 3;
/** Chunk acknowledgements may queue behind large writes on a busy server. */
const WRITE_TIMEOUT_MS = 30_000;
/** One attempt's wait for an ack; a repeat of a slow chunk is deduplicated by its message id. */
const ATTEMPT_TIMEOUT_MS = 5000;

/** The parts of an object's metadata (ADR-20) that reading it needs. */
interface ObjectInfo {
  readonly name: string;
  readonly nuid: string;
  readonly size: number;
  readonly chunks: number;
  readonly deleted?: boolean;
}

// The object store hashes every chunk it writes; Node's native SHA-256 is 4-7x faster than the default.
setSha256Backend('native');

function assertCid(cid: string): void {
  if (!isContentCid(cid)) {
    throw new InvalidInputError(
      `${JSON.stringify(cid)} is not a content CID (CIDv1, raw, sha2-256).`,
    );
  }
}

/**
 * The hot tier: content in the JetStream object store bucket `cim-content`, written by
 * {@link writeObject} in the object store's own format (any object store client reads it). An
 * object becomes visible only when its metadata is written after the last chunk, so a write cut
 * short (crash, hash mismatch) leaves nothing readable.
 */
export class JetStreamTier implements StorageTier {
  readonly name = HOT_TIER;
  private readonly writer: ObjectWriterDeps;
  private readonly direct: DirectReader;

  private constructor(
    nc: NatsConnection,
    private readonly os: ObjectStore,
    jsm: JetStreamManager,
    replicas: number,
  ) {
    // Every write is safe to repeat (chunks and metadata carry message ids), so one that gets no
    // ack (a leader election) is sent again until the deadline, then fails as having no quorum.
    const publisher = new AckPublisher(nc, new ReplyMux(nc, WRITE_TIMEOUT_MS), {
      stream: OBJECT_STREAM,
      replicas,
      attemptMs: ATTEMPT_TIMEOUT_MS,
      deadlineMs: WRITE_TIMEOUT_MS,
    });
    this.writer = { publisher, jsm, bucket: BUCKET };
    this.direct = new DirectReader(nc, { replicated: replicas > 1 });
  }

  /** Opens the bucket (provisioning creates it). */
  static async open(nc: NatsConnection): Promise<JetStreamTier> {
    return new JetStreamTier(
      nc,
      await new Objm(nc).open(CONTENT_BUCKET),
      await jetstreamManager(nc),
      await streamReplicas(nc, OBJECT_STREAM),
    );
  }

  /** One direct get (of the empty content's metadata): listing the bucket would read it all. */
  async check(): Promise<void> {
    await this.has(EMPTY_CONTENT_CID);
  }

  async has(cid: string): Promise<boolean> {
    assertCid(cid);
    const info = await this.info(cid);
    return info !== null && !info.deleted;
  }

  /** The object's metadata, read directly (the client's `info` is a request per call too). */
  private async info(cid: string): Promise<ObjectInfo | null> {
    return (await this.stored(cid))?.info ?? null;
  }

  /** The object's metadata (every field stored, beyond those typed) and its stream sequence. */
  private async stored(cid: string): Promise<{ info: ObjectInfo; seq: number } | null> {
    const msg = await this.direct.get(OBJECT_STREAM, { last_by_subj: metaSubject(BUCKET, cid) });
    if (msg === null) return null;
    const info = JSON.parse(Buffer.from(msg.data).toString('utf8')) as ObjectInfo;
    if (info.name !== cid) {
      throw new IntegrityError(`The metadata stored for ${cid} names ${info.name} instead.`);
    }
    return { info, seq: msg.seq };
  }

  /**
   * Every write is hashed by the writer, so a `sourceVerified` source is hashed too; large
   * content is looked up first even with `skipLookup`, as the lookup is one direct get.
   */
  async put(cid: string, size: number, source: ByteSource): Promise<PutResult> {
    assertCid(cid);
    // Asking first spares sending large content again; for small content the write itself
    // finds out, one request fewer on the common path.
    if (size > ASK_FIRST_BYTES && (await this.has(cid))) return { stored: false };
    const outcome = await this.write(cid, size, source);
    if (outcome.written) return { stored: true };
    if (await this.has(cid)) {
      await outcome.discard();
      return { stored: false };
    }
    // The name is held by a deleted object's metadata: this content replaces it.
    await outcome.overwrite();
    return { stored: true };
  }

  /** Writes the object, refusing a source that is not `size` bytes or not the content. */
  private async write(cid: string, size: number, source: ByteSource): Promise<WriteOutcome> {
    const counted = { ended: false };
    try {
      return await writeObject(this.writer, cid, size, sized(cid, size, source(), counted));
    } catch (err) {
      // The source ended as declared, so the writer's integrity fault is its hash check.
      if (counted.ended && err instanceof IntegrityError) {
        throw new IntegrityError(
          `The bytes given for ${cid} do not hash to it, so tier ${HOT_TIER} refused them and kept nothing: pass the content that CID names.`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<VerifiedContent | undefined> {
    assertCid(cid);
    const info = await this.info(cid);
    if (info === null || info.deleted) return undefined;
    return verifiedObject(HOT_TIER, cid, info.size, () => this.storedChunks(info), options);
  }

  /** The object's chunks as stored; a chunk that cannot be read is an IntegrityError. */
  private async *storedChunks(info: ObjectInfo): AsyncGenerator<Uint8Array> {
    try {
      yield* this.chunks(info);
    } catch (err) {
      throw new IntegrityError(
        `Content ${info.name} in tier ${HOT_TIER} cannot be read back intact (${(err as Error).message}).`,
        { cause: err },
      );
    }
  }

  /**
   * The raw chunks of an object, without checking them, one direct get each, the next asked for
   * while the caller works on this one (so the round trip to the server overlaps the caller's
   * hashing and sending): a read holds a chunk or two whatever the object's size. The client's
   * own read creates an ordered consumer per object, which on a busy node cost the server more
   * than everything else an ingest does, and buffers many chunks ahead of a slow reader (a 2 GiB
   * read peaked tens of MB higher).
   */
  private async *chunks(info: ObjectInfo): AsyncGenerator<Uint8Array> {
    const subject = chunkSubject(info.nuid);
    const read = (seq: number) => {
      const reply = this.direct.get(OBJECT_STREAM, { seq, next_by_subj: subject });
      // A read asked for ahead may fail before it is awaited, or never be awaited when the
      // caller stops early: its failure surfaces where it is awaited, if anywhere.
      reply.catch(() => undefined);
      return reply;
    };
    let next = info.chunks > 0 ? read(1) : undefined;
    for (let i = 0; i < info.chunks; i++) {
      const msg = await next;
      if (!msg) throw new Error(`chunk ${i + 1} of ${info.chunks} is missing`);
      if (i + 1 < info.chunks) next = read(msg.seq + 1);
      yield msg.data;
    }
  }

  async stat(cid: string): Promise<TierStat | undefined> {
    assertCid(cid);
    const info = await this.info(cid);
    return info === null || info.deleted ? undefined : { size: info.size };
  }

  /**
   * Removes the object (its chunks are purged, its metadata marked deleted); removing one that
   * is not held is not an error. Storing the same content later writes it anew.
   */
  async delete(cid: string): Promise<void> {
    assertCid(cid);
    // The client's delete reads the metadata again before replacing it: a request (with its
    // bookkeeping) per move out of hot. Only a write of the same content in between, which
    // makes the metadata change, sends this round again; a few rounds, not forever.
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      const stored = await this.stored(cid);
      if (stored === null || stored.info.deleted) return;
      if (await deleteObject(this.writer, stored.info, stored.seq)) return;
    }
    throw new UnavailableError(`${cid} kept being written anew while it was being deleted.`);
  }

  async *list(): AsyncIterable<TierEntry> {
    for (const info of await this.os.list()) {
      if (!info.deleted && isContentCid(info.name)) yield { cid: info.name, size: info.size };
    }
  }

  /** The connection is the caller's: nothing of the tier's own to release. */
  async close(): Promise<void> {}
}

/**
 * `source` passed through, refused as soon as it runs past `size` bytes or when it ends short of
 * them; `counted.ended` says it ended at exactly `size`.
 */
async function* sized(
  cid: string,
  size: number,
  source: AsyncIterable<Uint8Array>,
  counted: { ended: boolean },
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.byteLength;
    if (seen > size) {
      throw new InvalidInputError(
        `More than the declared ${size} bytes were sent for ${cid}, so tier ${HOT_TIER} kept nothing: pass its real size.`,
      );
    }
    yield chunk;
  }
  if (seen !== size) {
    throw new InvalidInputError(
      `Content ${cid} is ${seen} bytes, not the ${size} declared, so tier ${HOT_TIER} kept nothing: pass its real size.`,
    );
  }
  counted.ended = true;
}
