import type { NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';

/**
 * Every message of stream `stream` up to its last sequence when called, oldest first, through an
 * ordered consumer (works on mirrors, which have no subjects of their own to direct-get by).
 * `domain` reads a stream of another JetStream domain (a leaf's, from the hub, or the reverse).
 */
export async function* scanStream(
  nc: NatsConnection,
  stream: string,
  options: { domain?: string } = {},
): AsyncIterable<JsMsg> {
  const opts = {
    timeout: 10_000,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  };
  const jsm = await jetstreamManager(nc, opts);
  // The end is fixed up front, so a stream still being written ends the scan where it stood.
  const { state } = await jsm.streams.info(stream);
  const last = state.last_seq;
  if (state.messages === 0) return;
  const consumer = await jetstream(nc, opts).consumers.get(stream, {
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      yield m;
      // `pending` 0 ends it too: when the newest messages were deleted, `last` is never delivered.
      if (m.seq >= last || m.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
}
