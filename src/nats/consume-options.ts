/**
 * How long one pull of a long-lived consumer waits. The client's default (30 s) also sets its
 * heartbeat check (half of it, two missed): a consumer lost with a cluster member was noticed
 * only after 30 s and re-checked every 30 s, so a follower (the catalog, a pipeline) could stay
 * silent for a minute after a failover (seen in the node-on-cluster test). 5 s costs one empty
 * pull per consumer every 5 s when idle.
 */
export const FOLLOW_PULL_EXPIRES_MS = 5000;
