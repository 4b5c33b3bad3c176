import type { ByteSource, ContentStore, PutResult, VerifiedContent } from './content-store.js';
import type { StorageManager } from './storage-manager.js';
import type { JetStreamContentStore } from './jetstream-content-store.js';

/**
 * The content store the node's components use: writes go to the hot tier, reads find the
 * content in whichever tier holds an intact copy (see {@link StorageManager.read}), so a unit
 * reads the same whether its content is hot, warm or cold.
 */
export class TieredContentStore implements ContentStore {
  constructor(
    private readonly hot: JetStreamContentStore,
    private readonly storage: StorageManager,
  ) {}

  has(cid: string): Promise<boolean> {
    return this.storage.holds(cid);
  }

  put(cid: string, size: number, source: ByteSource): Promise<PutResult> {
    return this.hot.put(cid, size, source);
  }

  get(cid: string): Promise<VerifiedContent | undefined> {
    return this.storage.read(cid);
  }

  async peek(cid: string, bytes: number): Promise<Uint8Array | undefined> {
    const hot = await this.hot.peek(cid, bytes);
    if (hot !== undefined) return hot;
    const found = await this.storage.read(cid);
    if (found === undefined) return undefined;
    const chunks: Uint8Array[] = [];
    let have = 0;
    for await (const chunk of found.stream()) {
      chunks.push(chunk);
      have += chunk.byteLength;
      if (have >= bytes) break;
    }
    return Buffer.concat(chunks).subarray(0, bytes);
  }

  usage(): Promise<{ bytes: number; objects: number }> {
    return this.hot.usage();
  }
}
