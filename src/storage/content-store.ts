/** Content whose bytes have been checked against their CID before anyone sees them. */
export interface VerifiedContent {
  readonly cid: string;
  readonly size: number;
  /** The verified bytes, as a stream (a fresh one per call). */
  stream(): AsyncIterable<Uint8Array>;
}

/** Where a put's bytes come from: called once, or again when the store must re-read them. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** The outcome of a put. */
export interface PutResult {
  /** False when the store already held the content (deduplicated). */
  readonly stored: boolean;
}

/**
 * A content-addressed blob store: objects are named by their content CID, written once, and
 * verified by hash on every read. An integrity failure is an IntegrityError naming the CID.
 */
export interface ContentStore {
  has(cid: string): Promise<boolean>;
  /**
   * Stores the bytes of `source` as `cid`, unless already present. The bytes are hashed while
   * they are written; if they do not match `cid` the write is abandoned, leaving nothing visible.
   */
  put(cid: string, size: number, source: ByteSource): Promise<PutResult>;
  /** The content, verified; undefined when the store does not hold it. */
  get(cid: string): Promise<VerifiedContent | undefined>;
  /**
   * Up to `bytes` leading bytes, NOT verified: only for sniffing a media type, never for serving.
   * Undefined when the store does not hold the content.
   */
  peek(cid: string, bytes: number): Promise<Uint8Array | undefined>;
  /** Total bytes and objects held. */
  usage(): Promise<{ bytes: number; objects: number }>;
}
