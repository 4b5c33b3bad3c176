import { z } from 'zod';

const tierName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected a tier name such as warm');

/** When a rule applies to a unit; every condition given must hold. */
const conditionSchema = z
  .object({
    /** Ingested at least this many days ago (fractions allowed; 0 means now). */
    olderThanDays: z.number().min(0).max(36_500).exactOptional(),
    /** Not read by a user for this many days (never read: counted from ingest). */
    notReadForDays: z.number().min(0).max(36_500).exactOptional(),
    /** Content at least / at most this many bytes. */
    minBytes: z.number().int().min(0).exactOptional(),
    maxBytes: z.number().int().min(0).exactOptional(),
    /** Media types or globs (`image/*`). */
    mediaTypes: z.array(z.string().min(1).max(200)).min(1).max(50).exactOptional(),
    /** The unit carries every one of these tags. */
    tags: z.array(z.string().min(1).max(200)).min(1).max(50).exactOptional(),
    /** The unit's context is one of these. */
    contexts: z.array(z.string().min(1).max(128)).min(1).max(50).exactOptional(),
  })
  .strict();

const ruleSchema = z
  .object({
    from: tierName,
    to: tierName,
    when: conditionSchema.prefault({}),
    /** Keep the copy in `from` as well. */
    keepCopy: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.from !== r.to, { message: 'from and to must be different tiers', path: ['to'] });

/**
 * A lifecycle policy: rules applied in order to every unit's content. One schema for policies as
 * written (src/storage/policy.ts adds the check of tier names) and as recorded; its defaults
 * fill in fields that policies recorded before them lack.
 */
export const policySchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/, 'expected lowercase letters, digits and dashes'),
    rules: z.array(ruleSchema).min(1).max(20),
    /** Content a user reads from a lower tier is copied back into hot (the lower copy kept). */
    rehydrate: z.boolean().default(false),
  })
  .strict();

/** A validated lifecycle policy. */
export type StoragePolicy = z.output<typeof policySchema>;
