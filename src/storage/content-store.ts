/**
 * The one integrity threshold for reads: content up to this size is read whole and verified
 * before `get` returns, in every tier; larger content is verified as it streams, and where bytes
 * are served (StorageManager's reads, which the HTTP content route and every component go
 * through) it is verified in a first pass and streamed in a second, so no byte of it is served
 * unverified either. Above it a read holds a chunk or two instead of the whole content.
 */
export const VERIFY_BEFORE_SERVING_BYTES = 8 * 1024 * 1024;

/** Content whose bytes are checked against their CID (see {@link ContentStore.get} for when). */
export interface VerifiedContent {
  readonly cid: string;
  readonly size: number;
  /** The bytes, hashed while they are read (a fresh read per call). */
  stream(): AsyncIterable<Uint8Array>;
}

/** Where a put's bytes come from: called once, or again when the store must re-read them. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** The outcome of a put. */
export interface PutResult {
  /** False when the store already held the content (deduplicated); nothing was written. */
  readonly stored: boolean;
  /**
   * Set when the store itself confirmed it holds exactly the bytes written (an S3 ETag computed
   * by the server matching the MD5 of what was sent, whose SHA-256 was checked): a caller that
   * must verify the copy need not read it back.
   */
  readonly verifiedBy?: 'etag';
}

/** How a put may treat its source. */
export interface PutOptions {
  /**
   * The source is a verifying stream (a {@link VerifiedContent}'s): it throws before it ends
   * when its bytes are not the content the CID names. The store may then count the bytes
   * instead of hashing them again; it still keeps nothing when the stream throws.
   */
  readonly sourceVerified?: boolean;
  /**
   * Write without first asking whether the store already holds the content (an S3 HEAD per
   * object): for a caller that has the bytes in hand and rarely finds them there, a copy that
   * was there is replaced by the same bytes, verified again. Stores whose lookup costs no
   * request, or that ask only for large content, may ask anyway.
   */
  readonly skipLookup?: boolean;
}

/** How a get may serve the content. */
export interface GetOptions {
  /**
   * Read nothing before returning, whatever the content's size: the stream is verified as it
   * goes and throws by its end when the bytes are not the content. For a consumer that keeps
   * nothing unless the stream ends cleanly (a move's target), or that only looks at the first
   * bytes and trusts none of them (media type sniffing).
   */
  readonly streamed?: boolean;
}

/**
 * A content-addressed blob store: objects named by their content CID (CIDv1, raw, sha2-256),
 * written once and verified by hash both ways. Every tier is one (see StorageTier), and so is
 * the StorageManager, which writes to the hot tier and reads from whichever tier holds an intact
 * copy.
 */
export interface ContentStore {
  has(cid: string): Promise<boolean>;
  /**
   * Stores `size` bytes from `source` as `cid`, unless already held. The bytes are hashed while
   * they are written: if they do not hash to `cid`, this throws an IntegrityError and nothing is
   * left behind (`has` stays false); if they are not `size` bytes long, an InvalidInputError.
   */
  put(cid: string, size: number, source: ByteSource, options?: PutOptions): Promise<PutResult>;
  /**
   * The content, or undefined when the store does not hold it. Content up to
   * {@link VERIFY_BEFORE_SERVING_BYTES} is read whole and verified before this returns, so a
   * corrupted copy makes `get` itself throw. Larger content, and any got `streamed`, is verified
   * as it streams: the stream throws an IntegrityError after its last chunk, so its bytes are not
   * to be trusted until it has ended cleanly. Every IntegrityError names the CID.
   */
  get(cid: string, options?: GetOptions): Promise<VerifiedContent | undefined>;
}
