import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { contentCidFromDigest, isContentCid, parseCid } from '../../core/cid.js';
import { IntegrityError, InvalidInputError } from '../../core/errors.js';
import { VERIFY_BEFORE_SERVING_BYTES } from '../content-store.js';
import type { GetOptions, PutOptions, VerifiedContent } from '../content-store.js';

/**
 * The sha2-256 digest a content CID names: the bytes a tier must hash to, known before any byte
 * is read. Throws InvalidInputError for anything that is not a content CID.
 */
export function expectedDigest(cid: string): Uint8Array {
  const parsed = isContentCid(cid) ? parseCid(cid) : undefined;
  if (parsed === undefined) {
    throw new InvalidInputError(
      `${JSON.stringify(cid)} is not a content CID (CIDv1, raw, sha2-256): pass the CID printed for the content.`,
    );
  }
  return parsed.multihash.digest;
}

/** Lower-case hex of the digest a content CID names, as stored in S3 metadata and by sha256sum. */
export function sha256Hex(cid: string): string {
  return Buffer.from(expectedDigest(cid)).toString('hex');
}

/**
 * Hashes the bytes a put receives. Call {@link WriteHash.verify} once the source has ended:
 * it throws when the bytes are not the content `cid` names or not `size` bytes long.
 */
export class WriteHash {
  private readonly hash: Hash | undefined;
  private bytes = 0;

  /**
   * With `sourceVerified` (see {@link PutOptions}) only the size is checked: the source's own
   * stream fails before its end when the bytes are not the content.
   */
  constructor(
    private readonly tier: string,
    private readonly cid: string,
    private readonly size: number,
    options: PutOptions = {},
  ) {
    this.hash = options.sourceVerified ? undefined : createHash('sha256');
  }

  update(chunk: Uint8Array): void {
    this.hash?.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Throws IntegrityError on a hash mismatch, InvalidInputError on a wrong declared size. */
  verify(): void {
    const actual = this.hash ? contentCidFromDigest(this.hash.digest()) : this.cid;
    if (actual !== this.cid) {
      throw new IntegrityError(
        `The bytes given for ${this.cid} hash to ${actual}, so tier ${this.tier} refused them and kept nothing: pass the content that CID names.`,
      );
    }
    if (this.bytes !== this.size) {
      throw new InvalidInputError(
        `Content ${this.cid} is ${this.bytes} bytes, not the ${this.size} declared, so tier ${this.tier} kept nothing: pass its real size.`,
      );
    }
  }

  /** A pass-through of `source` that hashes every chunk and verifies after the last one. */
  async *through(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.update(chunk);
      yield chunk;
    }
    this.verify();
  }
}

/** Streams stored bytes, throwing an IntegrityError after the last chunk if they are not `cid`. */
export async function* verifyingStream(
  tier: string,
  cid: string,
  stored: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of stored) {
    hash.update(chunk);
    yield chunk;
  }
  const actual = contentCidFromDigest(hash.digest());
  if (actual !== cid) {
    throw new IntegrityError(
      `Content ${cid} in tier ${tier} is corrupted (its stored bytes hash to ${actual}): read it from another tier that holds it and repair this copy.`,
    );
  }
}

/**
 * A {@link VerifiedContent} following the read rule of every tier: objects up to
 * {@link VERIFY_BEFORE_SERVING_BYTES} are read whole and verified before this returns (so a
 * corrupted one throws here and yields nothing); larger ones, and any with `streamed` (see
 * {@link GetOptions}), verify while streaming. `open` starts a fresh read of the stored bytes
 * (called once for a small object).
 */
export async function verifiedObject(
  tier: string,
  cid: string,
  size: number,
  open: () => AsyncIterable<Uint8Array>,
  options: GetOptions = {},
): Promise<VerifiedContent> {
  if (options.streamed || size > VERIFY_BEFORE_SERVING_BYTES) {
    return { cid, size, stream: () => verifyingStream(tier, cid, open()) };
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of verifyingStream(tier, cid, open())) chunks.push(chunk);
  return {
    cid,
    size,
    stream: async function* () {
      yield* chunks;
    },
  };
}

/**
 * The ETag an S3 server gives an object it stored from exactly these bytes, uploaded in parts of
 * `partSize` as `@aws-sdk/lib-storage` does: the MD5 of the bytes for a single PUT, or the MD5 of
 * the parts' MD5s followed by `-<parts>` for a multipart upload. The server computes it from what
 * it received, so a match is a check made on the far side.
 */
export class UploadEtag {
  private readonly parts: Buffer[] = [];
  private part = createHash('md5');
  private inPart = 0;
  private total = 0;

  constructor(private readonly partSize: number) {}

  update(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    for (let at = 0; at < chunk.byteLength;) {
      const take = Math.min(this.partSize - this.inPart, chunk.byteLength - at);
      this.part.update(chunk.subarray(at, at + take));
      this.inPart += take;
      at += take;
      if (this.inPart === this.partSize) {
        this.parts.push(this.part.digest());
        this.part = createHash('md5');
        this.inPart = 0;
      }
    }
  }

  /** MD5 of the bytes, when they fit in one part (undefined otherwise). */
  wholeMd5(): Buffer | undefined {
    if (this.total > this.partSize) return undefined;
    return this.inPart > 0 || this.parts.length === 0 ? this.part.copy().digest() : this.parts[0];
  }

  /** The expected ETag, without quotes. */
  expected(): string {
    const whole = this.wholeMd5();
    if (whole) return whole.toString('hex');
    const parts = this.inPart > 0 ? [...this.parts, this.part.digest()] : this.parts;
    return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
  }
}
