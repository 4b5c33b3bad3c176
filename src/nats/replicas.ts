import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidConfigError } from '../core/errors.js';

/** Replicas on a cluster when the configuration does not say: a majority survives one loss. */
export const CLUSTER_REPLICAS = 3;

/**
 * How many replicas CIM's streams and buckets get: `configured` (`nats.replicas`) if set, else 3
 * when the server's INFO shows a cluster (a name and its members' client URLs) and 1 otherwise. More than one replica on a server
 * that is not clustered is refused here with the fix, rather than by JetStream mid-provisioning.
 */
export function replicasFor(nc: NatsConnection, configured: number | undefined): number {
  // A cluster's members advertise each other's client URLs. The cluster name alone does not
  // tell: a lone server with a leafnode connection (a leaf node) reports a dynamic cluster name,
  // its own, and refuses more than one replica.
  const clustered = (nc.info?.cluster ?? '') !== '' && (nc.info?.connect_urls?.length ?? 0) > 1;
  if (configured === undefined) return clustered ? CLUSTER_REPLICAS : 1;
  if (configured > 1 && !clustered)
    throw new InvalidConfigError(
      `nats.replicas is ${configured} but the NATS server at ${nc.getServer()} is not part of a cluster: set nats.replicas to 1 or point --nats at a cluster ('cim cluster up').`,
    );
  return configured;
}
