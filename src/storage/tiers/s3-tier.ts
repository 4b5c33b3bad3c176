import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { isContentCid } from '../../core/cid.js';
import { CimError, IntegrityError, InvalidConfigError } from '../../core/errors.js';
import { WriteHash, expectedDigest, verifiedObject } from './content-hash.js';
import { isNotFound, s3Failure } from './s3-errors.js';
import type { S3Target } from './s3-errors.js';
import { putInParts, putWhole } from './s3-upload.js';
import { VERIFY_BEFORE_SERVING_BYTES } from '../content-store.js';
import type {
  ByteSource,
  GetOptions,
  PutOptions,
  PutResult,
  VerifiedContent,
} from '../content-store.js';
import { assertRefName } from './storage-tier.js';
import type { StorageTier, TierEntry, TierRefs, TierStat } from './storage-tier.js';

/** How to reach an S3-compatible bucket (MinIO, Wasabi, Ceph RGW, AWS). */
export interface S3TierConfig {
  readonly name: string;
  /** e.g. `http://127.0.0.1:9000` or `https://s3.eu-central-2.wasabisys.com`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Key prefix, `''` or ending in `/` (e.g. `cim/`); objects are `<prefix>content/<cid>`. */
  readonly prefix: string;
  readonly region: string;
  /** True for `endpoint/bucket/key` URLs (MinIO, s3rver), false for `bucket.endpoint/key`. */
  readonly forcePathStyle: boolean;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Multipart part size; content above it is uploaded in parts. At least 5 MiB (S3's minimum). */
  readonly partSizeBytes?: number;
  /** Parts uploaded at once. */
  readonly uploadConcurrency?: number;
  /** Attempts per request, retried with the SDK's exponential backoff and jitter. */
  readonly maxAttempts?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * A tier in an S3-compatible bucket. Layout, a contract other S3 clients rely on:
 * each object is the content's exact bytes at key `<prefix>content/<cid>` (content type
 * `application/octet-stream`) with user metadata `sha256` = the lower-case hex SHA-256 of the
 * bytes, which is also the CID's digest. So `aws s3 ls s3://<bucket>/<prefix>content/` lists the
 * content and `aws s3 cp s3://<bucket>/<prefix>content/<cid> - | sha256sum` checks a copy.
 *
 * A put hashes the bytes while uploading them (multipart above the part size). The hash is
 * checked after the last byte and before the upload is completed (a single PUT holds its last
 * chunk back until then), so wrong bytes never become a visible object; should one exist after a
 * refused put anyway, it is read back and deleted if bad. See `s3-upload.ts`.
 */
export class S3Tier implements StorageTier, TierRefs {
  readonly name: string;
  private readonly client: S3Client;
  private readonly target: S3Target;

  constructor(private readonly config: S3TierConfig) {
    this.name = config.name;
    if (config.prefix !== '' && !config.prefix.endsWith('/')) {
      throw new InvalidConfigError(
        `The prefix ${JSON.stringify(config.prefix)} of tier ${config.name} must be empty or end with "/".`,
      );
    }
    if ((config.partSizeBytes ?? MIN_PART_BYTES) < MIN_PART_BYTES) {
      throw new InvalidConfigError(
        `The part size of tier ${config.name} must be at least ${MIN_PART_BYTES} bytes (S3's minimum).`,
      );
    }
    this.target = { tier: config.name, endpoint: config.endpoint, bucket: config.bucket };
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: config.maxAttempts ?? 5,
      retryMode: 'standard',
      // The SDK's default CRC32 checksums (since 3.729) are refused by several S3-compatible
      // servers (Ceph RGW, R2); every byte is checked against its SHA-256 here instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A server that stops answering mid-request fails the request (retried) instead of hanging it.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  /** The object key of `cid` (validated): `<prefix>content/<cid>`. */
  keyOf(cid: string): string {
    expectedDigest(cid);
    return `${this.config.prefix}content/${cid}`;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (err) {
      throw s3Failure(err, this.target, 'check');
    }
  }

  async put(
    cid: string,
    size: number,
    source: ByteSource,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const key = this.keyOf(cid);
    if (!options.skipLookup && (await this.has(cid))) return { stored: false };
    const partSize = this.config.partSizeBytes ?? 8 * 1024 * 1024;
    const at = {
      client: this.client,
      target: this.target,
      key,
      removeIfCorrupt: () => this.removeIfCorrupt(cid),
    };
    if (size <= partSize) return putWhole(at, cid, size, source, options);
    const hash = new WriteHash(this.name, cid, size, options);
    const concurrency = this.config.uploadConcurrency ?? 4;
    return putInParts(at, cid, hash, source, { size: partSize, concurrency });
  }

  /** Deletes the object under `cid` only if its bytes are wrong: a good copy may be another writer's. */
  private async removeIfCorrupt(cid: string): Promise<void> {
    try {
      const found = await this.get(cid);
      if (found) for await (const _ of found.stream());
    } catch (err) {
      if (err instanceof IntegrityError) await this.delete(cid);
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<VerifiedContent | undefined> {
    const key = this.keyOf(cid);
    let body: Readable;
    let size: number;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
      );
      // In Node the SDK's body is a Readable (an IncomingMessage).
      body = (out.Body as Readable | undefined) ?? Readable.from([]);
      size = out.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Failure(err, this.target, 'read');
    }
    if (size <= VERIFY_BEFORE_SERVING_BYTES && !options.streamed) {
      return verifiedObject(this.name, cid, size, () => this.guard(body, 'read'));
    }
    // Otherwise the object is read afresh by each stream() call; this response is not needed.
    body.destroy();
    return verifiedObject(this.name, cid, size, () => this.readFresh(key), options);
  }

  private async *readFresh(key: string): AsyncGenerator<Uint8Array> {
    let body: Readable;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
      );
      body = (out.Body as Readable | undefined) ?? Readable.from([]);
    } catch (err) {
      throw s3Failure(err, this.target, 'read');
    }
    yield* this.guard(body, 'read');
  }

  /** Reports a connection lost mid-body as the tier's failure, not a bare socket error. */
  private async *guard(body: Readable, action: string): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (err) {
      throw s3Failure(err, this.target, action);
    }
  }

  async has(cid: string): Promise<boolean> {
    return (await this.stat(cid)) !== undefined;
  }

  async stat(cid: string): Promise<TierStat | undefined> {
    const key = this.keyOf(cid);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }),
      );
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Failure(err, this.target, 'stat');
    }
  }

  async delete(cid: string): Promise<void> {
    const key = this.keyOf(cid);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
    } catch (err) {
      throw s3Failure(err, this.target, 'delete');
    }
  }

  async *list(): AsyncIterable<TierEntry> {
    const prefix = `${this.config.prefix}content/`;
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.config.bucket, Prefix: prefix },
    );
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const cid = object.Key?.slice(prefix.length) ?? '';
          if (isContentCid(cid)) yield { cid, size: object.Size ?? 0 };
        }
      }
    } catch (err) {
      if (err instanceof CimError) throw err;
      throw s3Failure(err, this.target, 'listing');
    }
  }

  async putRef(name: string, text: string): Promise<void> {
    assertRefName(name);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: `${this.config.prefix}refs/${name}`,
          Body: text,
          ContentType: 'text/plain; charset=utf-8',
        }),
      );
    } catch (err) {
      throw s3Failure(err, this.target, 'write');
    }
  }

  async getRef(name: string): Promise<string | undefined> {
    assertRefName(name);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: `${this.config.prefix}refs/${name}`,
        }),
      );
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Failure(err, this.target, 'read');
    }
  }

  async listRefs(prefix: string): Promise<string[]> {
    assertRefName(prefix.replace(/\/$/, ''));
    const root = `${this.config.prefix}refs/`;
    const names: string[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.config.bucket, Prefix: `${root}${prefix}` },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) names.push(object.Key.slice(root.length));
        }
      }
    } catch (err) {
      throw s3Failure(err, this.target, 'listing');
    }
    return names.sort();
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
