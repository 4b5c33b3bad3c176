import type { KV } from '@nats-io/kv';

/**
 * The keys of a KV bucket, each once. The client's listing follows writes made while it runs
 * until it catches up, so a key rewritten meanwhile comes again, and one rewritten often enough
 * keeps the listing from ever ending. Listings are in stream order, so when a key comes a second
 * time every key written before its rewrite has been seen: the listing stops there.
 */
export async function uniqueKeys(kv: KV, filter?: string): Promise<string[]> {
  const keys = new Set<string>();
  for await (const key of await kv.keys(filter)) {
    if (keys.has(key)) break;
    keys.add(key);
  }
  return [...keys];
}
