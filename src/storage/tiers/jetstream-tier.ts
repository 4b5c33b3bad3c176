import type { JetStreamContentStore } from '../jetstream-content-store.js';
import type {
  ByteSource,
  GetOptions,
  StorageTier,
  TierEntry,
  TierObject,
  TierPutResult,
  TierStat,
} from './storage-tier.js';

/** The CID of zero bytes: a name any content store may be asked about. */
const EMPTY_CONTENT_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

/** The hot tier's name: the JetStream object store bucket `cim-content`. */
export const HOT_TIER = 'hot';

/**
 * The JetStream object store as a {@link StorageTier}, so tiering moves content out of it and
 * back the same way as between any two tiers. Reads are verified by the content store itself.
 */
export class JetStreamTier implements StorageTier {
  readonly name = HOT_TIER;

  constructor(private readonly store: JetStreamContentStore) {}

  /** One direct get (of the empty content's metadata): listing the bucket would read it all. */
  async check(): Promise<void> {
    await this.store.has(EMPTY_CONTENT_CID);
  }

  put(cid: string, size: number, source: ByteSource): Promise<TierPutResult> {
    return this.store.put(cid, size, source);
  }

  async get(cid: string, options: GetOptions = {}): Promise<TierObject | undefined> {
    return this.store.get(cid, options);
  }

  has(cid: string): Promise<boolean> {
    return this.store.has(cid);
  }

  stat(cid: string): Promise<TierStat | undefined> {
    return this.store.stat(cid);
  }

  delete(cid: string): Promise<void> {
    return this.store.delete(cid);
  }

  list(): AsyncIterable<TierEntry> {
    return this.store.list();
  }

  async close(): Promise<void> {}
}
