import { z } from 'zod';

/**
 * JetStream's sync policy (`sync_interval`) for every nats-server CIM starts or renders. `always`
 * flushes each write to disk before the server acknowledges it; a duration (`2m` is
 * nats-server's own default) flushes on a timer and acknowledges at once, so a power cut or a
 * kernel crash loses what was acknowledged since the last flush. See docs/operations.md.
 */
export const syncPolicySchema = z.union([
  z.literal('always'),
  z
    .string()
    .regex(
      /^[1-9][0-9]*(ms|s|m|h)$/,
      'the sync policy is "always" or a duration such as "2m" (ms, s, m or h)',
    ),
]);

/** What CIM writes when nothing else is configured: fsync before acknowledging. */
export const DEFAULT_SYNC_POLICY = 'always';
