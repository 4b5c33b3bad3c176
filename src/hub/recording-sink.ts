import { contentCid } from '../core/cid.js';
import type { ConnectorJson, ItemOutcome, ItemSink, SourceItem } from '../plugins/plugin-api.js';

/** One item as the recording sink kept it: what the connector said, and the payload's bytes. */
export interface RecordedItem {
  readonly source: string;
  readonly name: string;
  readonly mediaType: string | undefined;
  readonly tags: readonly string[];
  readonly bytes: Buffer;
  readonly contentCid: string;
  readonly outcome: ItemOutcome;
}

/**
 * An in-memory {@link ItemSink} that decides outcomes as the hub's does (by source and content
 * CID) without a store: what connector tests poll into, as MemoryEventStore stands beside the
 * JetStream one. It keeps every put, failure, removal and checkpoint in order.
 */
export class RecordingSink implements ItemSink {
  readonly items: RecordedItem[] = [];
  readonly failures: { source: string; reason: string }[] = [];
  readonly removals: string[] = [];
  readonly checkpoints: ConnectorJson[] = [];
  /** Latest content CID by source, and every content CID stored. */
  private readonly latest = new Map<string, string>();
  private readonly contents = new Set<string>();
  /** Sources put and not removed since, as the hub's knownSources answers. */
  private readonly present = new Set<string>();

  async put(item: SourceItem): Promise<ItemOutcome> {
    let bytes: Buffer;
    try {
      const chunks: Uint8Array[] = [];
      for await (const chunk of await item.open()) chunks.push(chunk);
      bytes = Buffer.concat(chunks);
    } catch (err) {
      await this.fail(item.source, (err as Error).message);
      return 'failed';
    }
    const cid = contentCid(bytes).toString();
    const outcome: ItemOutcome =
      this.latest.get(item.source) === cid
        ? 'seen-again'
        : this.contents.has(cid)
          ? 'linked'
          : 'stored';
    this.latest.set(item.source, cid);
    this.present.add(item.source);
    this.contents.add(cid);
    this.items.push({
      source: item.source,
      name: item.name,
      mediaType: item.mediaType,
      tags: item.tags ?? [],
      bytes,
      contentCid: cid,
      outcome,
    });
    return outcome;
  }

  async fail(source: string, reason: string): Promise<void> {
    this.failures.push({ source, reason });
  }

  async removed(source: string): Promise<void> {
    this.removals.push(source);
    this.present.delete(source);
  }

  async *knownSources(prefix: string): AsyncIterable<string> {
    for (const source of [...this.present]) if (source.startsWith(prefix)) yield source;
  }

  async checkpoint(cursor: ConnectorJson): Promise<void> {
    // A copy: a connector that mutates its cursor object later must not change the record.
    this.checkpoints.push(JSON.parse(JSON.stringify(cursor)) as ConnectorJson);
  }

  /** Items with `outcome`, e.g. the ones stored. */
  withOutcome(outcome: ItemOutcome): RecordedItem[] {
    return this.items.filter((i) => i.outcome === outcome);
  }

  /** Forgets what was recorded (keeping what it knows of sources), for the next poll's view. */
  clear(): void {
    this.items.length = 0;
    this.failures.length = 0;
    this.removals.length = 0;
    this.checkpoints.length = 0;
  }
}
