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

/**
 * Recorded on `storage.Content.<contentCid>` when a verification found that no tier holds an
 * intact copy of content the history says is stored: the units naming it cannot be read. Recorded
 * once per loss (a later verification finding it still lost records nothing new).
 */
export const ContentLost = defineEvent(
  'ContentLost',
  z.object({
    cid: z.string(),
    size: z.number().int().min(0),
    /** The tiers the history places the content in, each found missing or damaged. */
    tiers: z.array(z.string()),
    /** Names of the units whose content it is (the first few; `units` counts them all). */
    names: z.array(z.string()),
    units: z.number().int().min(0),
  }),
);
export type ContentLostData = EventData<typeof ContentLost>;

/**
 * Recorded on `storage.Content.<contentCid>` when a verification found the copy in tier `tier`
 * missing or damaged and replaced it with an intact copy from tier `from`, read back and hashed.
 */
export const ContentRepaired = defineEvent(
  'ContentRepaired',
  z.object({
    cid: z.string(),
    size: z.number().int().min(0),
    tier: z.string(),
    from: z.string(),
    fault: z.enum(['missing', 'damaged']),
  }),
);
export type ContentRepairedData = EventData<typeof ContentRepaired>;
