import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { contentCidFromDigest } from '../core/cid.js';
import { TooLargeError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ByteSource } from '../storage/content-store.js';

/** Bytes received once (an upload, stdin), hashed on the way in and re-readable. */
export interface SpooledContent {
  readonly cid: string;
  readonly size: number;
  /** The first bytes, for media type detection. */
  readonly head: Uint8Array;
  readonly source: ByteSource;
  /** Removes the temporary file, if any. */
  discard(): void;
}

const HEAD_BYTES = 4100;
/** Bodies up to this size stay in memory; larger ones go to a temporary file in the data folder. */
const MEMORY_LIMIT = 1024 * 1024;

/**
 * Reads a stream once, hashing it as it flows, keeping small bodies in memory and larger ones in
 * a temporary file (never the whole of a large body in memory). Over `maxBytes` is a TooLargeError.
 */
export async function spool(
  body: AsyncIterable<Uint8Array>,
  dir: string,
  maxBytes: number,
): Promise<SpooledContent> {
  const hash = createHash('sha256');
  const memory: Uint8Array[] = [];
  let size = 0;
  let head = Buffer.alloc(0);
  let file: { path: string; stream: ReturnType<typeof createWriteStream> } | undefined;
  const discard = () => {
    if (file) rmSync(file.path, { force: true });
  };
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new TooLargeError('The content', size, maxBytes);
      hash.update(chunk);
      if (head.length < HEAD_BYTES)
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      if (!file && size <= MEMORY_LIMIT) {
        memory.push(chunk);
        continue;
      }
      if (!file) {
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${newId()}.part`);
        file = { path, stream: createWriteStream(path) };
        for (const held of memory.splice(0))
          if (!file.stream.write(held)) await once(file.stream, 'drain');
      }
      if (!file.stream.write(chunk)) await once(file.stream, 'drain');
    }
    if (file) {
      file.stream.end();
      await once(file.stream, 'finish');
    }
  } catch (err) {
    file?.stream.destroy();
    discard();
    throw err;
  }
  const cid = contentCidFromDigest(hash.digest());
  const path = file?.path;
  const source: ByteSource =
    path === undefined
      ? () =>
          (async function* () {
            yield* memory;
          })()
      : () => createReadStream(path, { highWaterMark: 1024 * 1024 });
  return { cid, size, head, source, discard };
}

/** Hashes a file on disk without holding it in memory (the first pass of a two-pass ingest). */
export async function hashFile(path: string, maxBytes: number): Promise<SpooledContent> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new TooLargeError(`${path}`, size, maxBytes);
    hash.update(chunk);
    if (head.length < HEAD_BYTES)
      head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
  }
  return {
    cid: contentCidFromDigest(hash.digest()),
    size,
    head,
    source: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
    discard: () => undefined,
  };
}
