import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';
import { policySchema } from '../storage-policy.js';

export { policySchema } from '../storage-policy.js';
export type { StoragePolicy } from '../storage-policy.js';

/**
 * Recorded on `storage.Content.<contentCid>` when content was copied to another tier and the
 * copy was verified there (read back and hashed, or checked by the server), before the source
 * copy is freed. `kept` says whether the source copy stays.
 */
export const ContentTiered = defineEvent(
  'ContentTiered',
  z.object({
    cid: z.string(),
    from: z.string(),
    to: z.string(),
    size: z.number().int().min(0),
    kept: z.boolean(),
    /**
     * How the copy was checked before the event was recorded: read back and hashed, or an S3
     * ETag the server computed from the bytes it received matching the MD5 of the bytes sent.
     */
    verifiedBy: z.enum(['read-back', 'etag']),
    /** The policy whose rule moved it, or null for a move asked for by hand. */
    policy: z.string().nullable(),
  }),
);
export type ContentTieredData = EventData<typeof ContentTiered>;

/** Recorded on `storage.Policy.<name>` when a lifecycle policy is applied (its new version). */
export const StoragePolicyApplied = defineEvent('StoragePolicyApplied', policySchema);
