import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';

/**
 * The configured replica count of `stream`, 1 when it cannot be read (then the no-quorum
 * sentence speaks of an unreachable server instead).
 */
export async function streamReplicas(nc: NatsConnection, stream: string): Promise<number> {
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    return (await jsm.streams.info(stream)).config.num_replicas;
  } catch {
    return 1;
  }
}
