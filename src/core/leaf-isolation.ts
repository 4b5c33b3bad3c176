import {
  AUTH_SESSIONS_BUCKET,
  AUTH_TOKENS_BUCKET,
  AUTH_USERS_BUCKET,
  CONTENT_BUCKET,
  CONTENT_READS_BUCKET,
  DEAD_LETTERS_BUCKET,
  PROJECTIONS_BUCKET,
  REGISTRY_BUCKET,
  STEP_RESULTS_BUCKET,
} from './buckets.js';

/**
 * The subjects a leaf node keeps to itself, in both directions of its link to the hub.
 *
 * Subject interest crosses a leafnode connection whatever the JetStream domains: measured on
 * nats-server 2.10.27, an event a leaf published on `cim.events.…` was stored by the leaf's
 * CIM_EVENTS *and* by the hub's own CIM_EVENTS. That would make two domains append to one
 * aggregate (and let one side's components answer the other's `cim.api` requests), so every
 * subject CIM writes to is denied on the link: events, API requests, the content bucket and the
 * KV buckets. Data reaches the hub only through the hub's mirrors, which travel over the leaf's
 * JetStream API (`$JS.<domain>.API`) and delivery subjects, not these.
 */
export const LEAF_LOCAL_SUBJECTS: readonly string[] = [
  // Events (`cim.events.>`) and API requests (`cim.api.>`).
  'cim.>',
  `$O.${CONTENT_BUCKET}.>`,
  ...[
    PROJECTIONS_BUCKET,
    REGISTRY_BUCKET,
    STEP_RESULTS_BUCKET,
    DEAD_LETTERS_BUCKET,
    CONTENT_READS_BUCKET,
    AUTH_USERS_BUCKET,
    AUTH_TOKENS_BUCKET,
    AUTH_SESSIONS_BUCKET,
  ].map((bucket) => `$KV.${bucket}.>`),
];
