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
} from '../../core/buckets.js';

/**
 * The KV buckets a backup copies entry by entry: state that is not derived from the events and
 * would be lost, or cost work to make again (step results), without them. A bucket added to
 * core/buckets.ts must be named here or in {@link NOT_BACKED_UP} (a test checks every one is).
 */
export const BACKED_UP_BUCKETS: readonly string[] = [
  STEP_RESULTS_BUCKET,
  DEAD_LETTERS_BUCKET,
  CONTENT_READS_BUCKET,
  // Users and tokens (hashed) are not in the events: a restore without them could not sign in.
  AUTH_USERS_BUCKET,
  AUTH_TOKENS_BUCKET,
];

/** The buckets a backup leaves out, each with why. */
export const NOT_BACKED_UP: Readonly<Record<string, string>> = {
  [CONTENT_BUCKET]: 'the hot tier: its objects are backed up as content, by CID',
  [PROJECTIONS_BUCKET]: "read models' checkpoints and failures, made again when they are rebuilt",
  [AUTH_SESSIONS_BUCKET]: 'web sessions: a restored node asks its users to sign in again',
  [REGISTRY_BUCKET]: 'the presence of running components, which register again when they start',
};
