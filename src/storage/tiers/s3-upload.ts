import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UploadEtag, WriteHash, sha256Hex } from './content-hash.js';
import { s3Failure } from './s3-errors.js';
import type { S3Target } from './s3-errors.js';
import type { ByteSource, PutOptions, PutResult } from '../content-store.js';

/** Where an upload goes, for the S3 tier's puts. */
export interface UploadTarget {
  readonly client: S3Client;
  readonly target: S3Target;
  readonly key: string;
  /** Deletes the object if its bytes are wrong: after a body that failed, the server may keep a part. */
  removeIfCorrupt(): Promise<void>;
}

/**
 * Content that fits in one part goes out as one PUT while it is read, with its length and
 * x-amz-content-sha256 = the CID's digest (servers that check it, AWS and MinIO, refuse other
 * bytes); the server's ETag is then compared with the MD5 of what was sent. The last chunk is
 * held back until the source has ended cleanly (its hash and size checked), so bytes that are
 * not the content leave the body short of its length: the server never completes the object.
 */
export async function putWhole(
  at: UploadTarget,
  cid: string,
  size: number,
  source: ByteSource,
  options: PutOptions,
): Promise<PutResult> {
  const abort = new AbortController();
  let bodyFailure: { error: unknown } | undefined;
  let md5 = createHash('md5');
  const body = () => {
    const hash = new WriteHash(at.target.tier, cid, size, options);
    const sent = (md5 = createHash('md5'));
    const chunks = async function* () {
      let held: Uint8Array | undefined;
      try {
        for await (const chunk of hash.through(source())) {
          sent.update(chunk);
          if (held) yield held;
          held = chunk;
        }
      } catch (error) {
        bodyFailure = { error };
        abort.abort();
        throw error;
      }
      if (held) yield held;
    };
    // Its failure is reported by the send, aborted below, not as the stream's own event.
    return Readable.from(chunks(), { objectMode: false }).on('error', () => undefined);
  };
  const command = new PutObjectCommand({
    Bucket: at.target.bucket,
    Key: at.key,
    Body: body(),
    ContentLength: size,
    ContentType: 'application/octet-stream',
    Metadata: { sha256: sha256Hex(cid) },
  });
  // The body's SHA-256 is the CID's digest: given as x-amz-content-sha256 it spares the
  // signer hashing the body (which it could not do for a stream anyway).
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256Hex(cid);
      return next(args);
    },
    { step: 'build', name: 'cimContentSha256' },
  );
  // The SDK retries with the same request: each attempt after the first reads the source afresh.
  let attempts = 0;
  command.middlewareStack.add(
    (next) => (args) => {
      if (attempts++ > 0) (args.request as { body?: unknown }).body = body();
      return next(args);
    },
    { step: 'deserialize', name: 'cimFreshBody' },
  );
  let result: { ETag?: string | undefined };
  try {
    result = await at.client.send(command, { abortSignal: abort.signal });
  } catch (err) {
    if (bodyFailure === undefined) throw s3Failure(err, at.target, 'upload');
    // A server may keep what it received of an aborted body (s3rver does).
    await at.removeIfCorrupt();
    throw bodyFailure.error;
  }
  return result.ETag?.replace(/"/g, '') === md5.digest('hex')
    ? { stored: true, verifiedBy: 'etag' }
    : { stored: true };
}

/** Larger content streams through a multipart upload, hashed as it goes. */
export async function putInParts(
  at: UploadTarget,
  cid: string,
  hash: WriteHash,
  source: ByteSource,
  parts: { readonly size: number; readonly concurrency: number },
): Promise<PutResult> {
  const etag = new UploadEtag(parts.size);
  // The upload reports its own follow-up failures (e.g. an abort the server refuses) over the
  // body's error, so the body's error is kept here: it is the one the caller must see.
  let bodyFailure: { error: unknown } | undefined;
  const body = async function* () {
    try {
      for await (const chunk of hash.through(source())) {
        etag.update(chunk);
        yield chunk;
      }
    } catch (error) {
      bodyFailure = { error };
      throw error;
    }
  };
  const upload = new Upload({
    client: at.client,
    params: {
      Bucket: at.target.bucket,
      Key: at.key,
      Body: Readable.from(body(), { objectMode: false }),
      ContentType: 'application/octet-stream',
      Metadata: { sha256: sha256Hex(cid) },
    },
    partSize: parts.size,
    queueSize: parts.concurrency,
    leavePartsOnError: false,
  });
  let result: { ETag?: string | undefined };
  try {
    result = await upload.done();
  } catch (err) {
    if (bodyFailure === undefined) throw s3Failure(err, at.target, 'upload');
    await at.removeIfCorrupt();
    throw bodyFailure.error;
  }
  // Servers whose ETag is not the MD5 (encryption with KMS keys, some gateways) leave the
  // check to the caller's read-back.
  const matches = result.ETag?.replace(/"/g, '') === etag.expected();
  return matches ? { stored: true, verifiedBy: 'etag' } : { stored: true };
}
