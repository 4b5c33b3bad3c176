import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DirectReader } from '../../nats/fast-path/index.js';
import type { KvEntry } from './backup-format.js';

/** The stream of KV bucket `bucket`. */
export const kvStream = (bucket: string) => `KV_${bucket}`;

/**
 * Every entry of a KV bucket's stream after revision `after`, up to its last message when called,
 * in revision order: values, and the markers deleted or purged keys keep. The end is the last
 * message's sequence, read first from the stream's leader (a message's pending count is no safe end marker once messages
 * inside the stream were removed, as every rewrite of a key removes one).
 */
export async function* kvEntries(
  nc: NatsConnection,
  bucket: string,
  after: number,
): AsyncIterable<KvEntry> {
  const stream = kvStream(bucket);
  const prefix = `$KV.${bucket}.`;
  const last = await new DirectReader(nc).getFromLeader(stream, { last_by_subj: `${prefix}>` });
  if (!last || last.seq <= after) return;
  const consumer = await jetstream(nc).consumers.get(stream, {
    ...(after > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      const operation = m.headers?.get('KV-Operation');
      yield {
        key: m.subject.slice(prefix.length),
        revision: m.seq,
        operation: operation === 'DEL' || operation === 'PURGE' ? operation : 'PUT',
        value: m.data,
      };
      if (m.seq >= last.seq) break;
    }
  } finally {
    await messages.close();
  }
}

/** The revision of the bucket's last entry (0 when it never held one). */
export async function lastRevision(nc: NatsConnection, bucket: string): Promise<number> {
  const last = await new DirectReader(nc).getFromLeader(kvStream(bucket), {
    last_by_subj: `$KV.${bucket}.>`,
  });
  return last?.seq ?? 0;
}
