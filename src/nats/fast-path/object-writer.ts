import { createHash } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { AckPublisher } from './ack-publisher.js';
import { PublishRefusedError } from './ack-publisher.js';
import { contentCidFromDigest } from '../../core/cid.js';
import { newId } from '../../core/ids.js';
import { IntegrityError } from '../../core/errors.js';
import { isApiError, JetStreamApiCodes } from '../api-error.js';

const { StreamWrongLastSequence } = JetStreamApiCodes;

/**
 * Chunk size of objects CIM writes: four times the object store's default, so a large object is a
 * quarter of the messages to store, deliver and parse (decision 0005), still well under the
 * server's default 1 MiB payload limit. Objects written with any chunk size read the same.
 */
export const CHUNK_BYTES = 512 * 1024;
/** Chunks published before the first of them must be acknowledged (4 MiB in flight). */
const CHUNKS_IN_FLIGHT = 8;

/** Where an object store bucket lives (NATS ADR-20 layout). */
export interface ObjectBucket {
  readonly name: string;
  readonly stream: string;
}

/** What the writer needs from JetStream. */
export interface ObjectWriterDeps {
  readonly publisher: AckPublisher;
  readonly jsm: JetStreamManager;
  readonly bucket: ObjectBucket;
}

/** The subject of an object's metadata. */
export const metaSubject = (bucket: ObjectBucket, name: string) =>
  `$O.${bucket.name}.M.${Buffer.from(name).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

/**
 * Writes one object in the object store's own format (ADR-20: chunks on `$O.<bucket>.C.<nuid>`,
 * then the metadata, with rollup, on `$O.<bucket>.M.<name>`), keeping several chunks in flight
 * where the client's `put` waits for each chunk's acknowledgement before sending the next, and
 * hashing every byte once for both the CID check and the object's digest. The metadata is
 * written only after every chunk is acknowledged and the bytes hash to `cid`, so a write cut
 * short or refused leaves nothing readable; its chunks are purged. The metadata is written only
 * if the name is free; otherwise the caller decides what to do with the chunks. Chunks are views
 * into the source's buffers, which must not be reused after they are yielded (Node streams and
 * fetch bodies never are).
 */
export async function writeObject(
  deps: ObjectWriterDeps,
  cid: string,
  size: number,
  source: AsyncIterable<Uint8Array>,
): Promise<WriteOutcome> {
  const nuid = newId().replace(/-/g, '');
  const chunkSubject = `$O.${deps.bucket.name}.C.${nuid}`;
  const hash = createHash('sha256');
  const inFlight = new Set<Promise<unknown>>();
  const all: Promise<unknown>[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let seen = 0;
  let chunks = 0;

  const publish = async (chunk: Uint8Array) => {
    while (inFlight.size >= CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
    chunks++;
    // A message id per chunk makes a repeat after a lost ack (a leader election) harmless.
    const h = headers();
    h.set('Nats-Msg-Id', `${nuid}.${chunks}`);
    const ack = deps.publisher.publish(chunkSubject, chunk, h);
    const tracked = ack.finally(() => inFlight.delete(tracked));
    // Failures are collected by the Promise.all below; this keeps an early one from going unhandled.
    tracked.catch(() => undefined);
    inFlight.add(tracked);
    all.push(ack);
  };

  try {
    for await (const piece of source) {
      hash.update(piece);
      seen += piece.byteLength;
      if (seen > size) {
        throw new IntegrityError(`More than the declared ${size} bytes were sent for ${cid}.`);
      }
      pending.push(piece);
      pendingBytes += piece.byteLength;
      if (pendingBytes < CHUNK_BYTES) continue;
      // Chunks are views into what arrived: one copy at most, to join small pieces.
      const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      let at = 0;
      for (; joined.byteLength - at >= CHUNK_BYTES; at += CHUNK_BYTES) {
        await publish(joined.subarray(at, at + CHUNK_BYTES));
      }
      const rest = joined.subarray(at);
      pending = rest.byteLength > 0 ? [rest] : [];
      pendingBytes = rest.byteLength;
    }
    if (pendingBytes > 0) await publish(Buffer.concat(pending, pendingBytes));
    await Promise.all(all);
    const digest = hash.digest();
    const actual = contentCidFromDigest(digest);
    if (actual !== cid || seen !== size) {
      throw new IntegrityError(
        `The bytes given for ${cid} hash to ${actual} (${seen} bytes): they changed while being stored.`,
      );
    }
    const meta = {
      name: cid,
      description: '',
      options: { max_chunk_size: CHUNK_BYTES },
      bucket: deps.bucket.name,
      nuid,
      size: seen,
      chunks,
      mtime: new Date().toISOString(),
      digest: `SHA-256=${digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`,
      deleted: false,
    };
    const body = JSON.stringify(meta);
    const subject = metaSubject(deps.bucket, cid);
    const publishMeta = async (createOnly: boolean) => {
      const h = headers();
      h.set('Nats-Rollup', 'sub');
      h.set('Nats-Msg-Id', `${nuid}.meta`);
      if (createOnly) h.set('Nats-Expected-Last-Subject-Sequence', '0');
      await deps.publisher.publish(subject, body, h);
    };
    try {
      // Only if no object of this name exists: the server decides, so two writers of the same
      // new content cannot both think they stored it.
      await publishMeta(true);
      return { written: true };
    } catch (err) {
      if (!isApiError(err, StreamWrongLastSequence)) throw err;
      // A repeat (the first attempt got no ack) is refused if the first landed: then the name
      // holds this very write's metadata, and its chunks must not be discarded.
      if (
        err instanceof PublishRefusedError &&
        err.retried &&
        (await storedNuid(deps, subject)) === nuid
      )
        return { written: true };
      return {
        written: false,
        overwrite: () => publishMeta(false),
        discard: () => purge(deps, chunkSubject),
      };
    }
  } catch (err) {
    await Promise.allSettled(all);
    await purge(deps, chunkSubject);
    throw err;
  }
}

/**
 * Deletes an object as the object store client does (its metadata marked deleted, with rollup,
 * then its chunks purged), from metadata already read: the client reads it again first. The
 * metadata is replaced only if it is still the message at `metaSeq`, so an object written anew
 * since it was read is not marked deleted; `false` says it changed.
 */
export async function deleteObject(
  deps: ObjectWriterDeps,
  meta: { readonly name: string; readonly nuid: string },
  metaSeq: number,
): Promise<boolean> {
  const h = headers();
  h.set('Nats-Rollup', 'sub');
  h.set('Nats-Expected-Last-Subject-Sequence', String(metaSeq));
  const deleted = { ...meta, deleted: true, size: 0, chunks: 0, digest: '' };
  try {
    await deps.publisher.publish(metaSubject(deps.bucket, meta.name), JSON.stringify(deleted), h);
  } catch (err) {
    if (isApiError(err, StreamWrongLastSequence)) return false;
    throw err;
  }
  await deps.jsm.streams.purge(deps.bucket.stream, {
    filter: `$O.${deps.bucket.name}.C.${meta.nuid}`,
  });
  return true;
}

/** What became of a write: stored, or refused because the name was taken (chunks still held). */
export type WriteOutcome =
  | { readonly written: true }
  | {
      readonly written: false;
      /** Writes the metadata anyway, replacing what holds the name (a deleted object). */
      overwrite(): Promise<void>;
      /** Drops the chunks just written. */
      discard(): Promise<void>;
    };

/** The nuid of the metadata last written under `subject`, if any. */
async function storedNuid(deps: ObjectWriterDeps, subject: string): Promise<string | undefined> {
  try {
    const msg = await deps.jsm.streams.getMessage(deps.bucket.stream, { last_by_subj: subject });
    return msg === null ? undefined : (msg.json<{ nuid?: string }>().nuid ?? undefined);
  } catch {
    return undefined;
  }
}

async function purge(deps: ObjectWriterDeps, chunkSubject: string): Promise<void> {
  await deps.jsm.streams.purge(deps.bucket.stream, { filter: chunkSubject }).catch(() => undefined);
}
