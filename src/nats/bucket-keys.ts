import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * The keys of a KV bucket (deleted ones included: their marker is the key's last message), read
 * from one stream-info snapshot of the bucket's subjects. The client's `kv.keys()` follows a
 * consumer instead, which races with writers: a key rewritten while it is listed comes again
 * after its old record was removed, so it can come late, twice, or (when the listing is cut short
 * to end) not at all. CIM's keys are not encoded, so a subject's tail is the key.
 */
export async function bucketKeys(
  jsm: JetStreamManager,
  bucket: string,
  filter = '>',
): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}
