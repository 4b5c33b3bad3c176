import type { ByteSource } from '../content-store.js';

export type { ByteSource };

/** A tier's answer to a put. */
export interface TierPutResult {
  /** False when the tier already held the content (deduplicated); nothing was written. */
  readonly stored: boolean;
  /**
   * Set when the tier itself confirmed it holds exactly the bytes written (an S3 ETag computed by
   * the server matching the MD5 of what was sent, whose SHA-256 was checked): a caller that must
   * verify the copy need not read it back.
   */
  readonly verifiedBy?: 'etag';
}

/** How a put may treat its source. */
export interface PutOptions {
  /**
   * The source is a verifying stream (a {@link TierObject}'s or a content store's): it throws
   * before it ends when its bytes are not the content the CID names. The tier then counts the
   * bytes instead of hashing them again; it still keeps nothing when the stream throws.
   */
  readonly sourceVerified?: boolean;
  /**
   * Write without first asking whether the tier already holds the content (an S3 HEAD per
   * object): for a caller that has the bytes in hand and rarely finds them there, a copy that
   * was there is replaced by the same bytes, verified again. Tiers whose lookup costs no request
   * may ask anyway.
   */
  readonly skipLookup?: boolean;
}

/** How a get may serve the object. */
export interface GetOptions {
  /**
   * Read nothing before returning, whatever the object's size: the stream is verified as it goes
   * and throws by its end when the bytes are not the content. For a consumer that keeps nothing
   * unless the stream ends cleanly (a move's target): the object need not be held in memory, or
   * read twice, before its first byte goes on.
   */
  readonly streamed?: boolean;
}

/** What a tier knows about one object without reading it. */
export interface TierStat {
  readonly size: number;
}

/** One object as {@link StorageTier.list} reports it. */
export interface TierEntry {
  readonly cid: string;
  readonly size: number;
}

/**
 * An object found in a tier. Its bytes are checked against the CID as they are read; see
 * {@link StorageTier.get} for when a mismatch is reported.
 */
export interface TierObject {
  readonly cid: string;
  readonly size: number;
  /** The bytes, hashed while they are read (a fresh read per call). */
  stream(): AsyncIterable<Uint8Array>;
}

/**
 * One place content can live (hot, warm, cold, an archive folder): objects named by their content
 * CID (CIDv1, raw, sha2-256), written once and verified by hash both ways.
 *
 * Integrity rules every implementation keeps (the contract suite in `tier.contract.ts` checks them):
 * - `put` hashes the bytes while writing them; if they do not hash to the CID, it throws an
 *   IntegrityError and leaves nothing behind (`has` stays false, `list` does not show it).
 * - Reads never hand out wrong bytes silently. Objects up to {@link VERIFY_BEFORE_SERVING_BYTES}
 *   are read whole and verified before `get` returns, so a corrupted small object makes `get`
 *   itself throw. Larger objects, and any object got `streamed`, are verified as they stream: the
 *   stream throws an IntegrityError after its last chunk, so a consumer must not trust the bytes
 *   until the stream has ended cleanly.
 * - Every IntegrityError names the CID and the tier.
 */
export interface StorageTier {
  /** The tier's configured name (`hot`, `warm`, `cold`, ...), used in every error it reports. */
  readonly name: string;
  /**
   * Checks the tier can be used (reachable, credentials accepted, bucket or folder present);
   * throws a CimError with one sentence saying what is wrong otherwise.
   */
  check(): Promise<void>;
  /** Stores `size` bytes from `source` as `cid` unless already held; see the integrity rules. */
  put(cid: string, size: number, source: ByteSource, options?: PutOptions): Promise<TierPutResult>;
  /** The object, or undefined when the tier does not hold it. */
  get(cid: string, options?: GetOptions): Promise<TierObject | undefined>;
  has(cid: string): Promise<boolean>;
  /** Size of the object, or undefined when the tier does not hold it; does not read the bytes. */
  stat(cid: string): Promise<TierStat | undefined>;
  /** Removes the object; removing an object the tier does not hold is not an error. */
  delete(cid: string): Promise<void>;
  /** Every object the tier holds, in no particular order. */
  list(): AsyncIterable<TierEntry>;
  /** Releases connections; the tier is not used afterwards. */
  close(): Promise<void>;
}

/** Objects up to this size are verified whole before `get` returns (see {@link StorageTier}). */
export const VERIFY_BEFORE_SERVING_BYTES = 8 * 1024 * 1024;
