import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidConfigError } from '../core/errors.js';

/** Replicas on a cluster when the configuration does not say: a majority survives one loss. */
export const CLUSTER_REPLICAS = 3;

/**
 * How many replicas CIM's streams and buckets get: `configured` (`nats.replicas`) if set, else 3
 * when the server's INFO names a cluster and 1 otherwise. More than one replica on a server
 * that is not clustered is refused here with the fix, rather than by JetStream mid-provisioning.
 */
export function replicasFor(nc: NatsConnection, configured: number | undefined): number {
  const clustered = (nc.info?.cluster ?? '') !== '';
  if (configured === undefined) return clustered ? CLUSTER_REPLICAS : 1;
  if (configured > 1 && !clustered)
    throw new InvalidConfigError(
      `nats.replicas is ${configured} but the NATS server at ${nc.getServer()} is not part of a cluster: set nats.replicas to 1 or point --nats at a cluster ('cim cluster up').`,
    );
  return configured;
}
