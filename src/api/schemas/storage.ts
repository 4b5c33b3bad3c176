import { z } from 'zod';
import { named } from './registry.js';
import { policySchema } from '../../core/storage-policy.js';

/** A storage tier's figures; `objects`, `bytes` and `units` are null when it could not be listed. */
export const tierStatusSchema = named(
  'TierStatus',
  z.object({
    name: z.string(),
    objects: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    units: z.number().int().nullable(),
    readFaults: z.number().int(),
    /** One sentence when the tier cannot be used. */
    error: z.string().optional(),
  }),
);

/** `GET /api/storage`. */
export const storageStatusSchema = named(
  'StorageStatus',
  z.object({ tiers: z.array(tierStatusSchema) }),
);

/** `GET /api/storage/content/{cid}`: the tiers holding a content, and its last read by a user. */
export const contentLocationSchema = named(
  'ContentLocation',
  z.object({ cid: z.string(), tiers: z.array(z.string()), lastReadAt: z.string().nullable() }),
);

/** `POST /api/storage/tier`: the content moved (or copied), or already in that tier. */
export const moveOutcomeSchema = named(
  'MoveOutcome',
  z.discriminatedUnion('status', [
    z.object({
      status: z.literal('moved'),
      cid: z.string(),
      from: z.string(),
      to: z.string(),
      size: z.number().int(),
      kept: z.boolean(),
    }),
    z.object({ status: z.literal('already-there'), cid: z.string(), to: z.string() }),
  ]),
);

/** What a storage verification checked, and every object it found wrong. */
export const storageVerifyReportSchema = named(
  'StorageVerifyReport',
  z.object({
    tiers: z.array(
      z.object({
        name: z.string(),
        checked: z.number().int(),
        bytes: z.number().int(),
        faults: z.number().int(),
      }),
    ),
    faults: z.array(
      z.object({
        tier: z.string(),
        cid: z.string(),
        error: z.string(),
        kind: z.enum(['missing', 'damaged', 'unreadable']),
        repairedFrom: z.string().optional(),
      }),
    ),
    /** Contents the history says are stored, or null when it was not consulted. */
    expected: z.number().int().nullable(),
    /** Contents no tier holds intact, with the names of their units. */
    lost: z.array(
      z.object({
        cid: z.string(),
        size: z.number().int(),
        tiers: z.array(z.string()),
        names: z.array(z.string()),
        units: z.number().int(),
      }),
    ),
  }),
);

/** One run of a storage verification: its progress, then its report. */
export const verifyRunSchema = named(
  'VerifyRun',
  z.object({
    tier: z.string().nullable(),
    kind: z.enum(['verify', 'scrub', 'reconcile']),
    state: z.enum(['running', 'done', 'failed']),
    checked: z.number().int(),
    expected: z.number().int().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    report: storageVerifyReportSchema.nullable(),
    error: z.string().nullable(),
  }),
);

/** `POST /api/storage/verify`: the run started (or the one already under way). */
export const verifyStartedSchema = named('VerifyStarted', z.object({ run: verifyRunSchema }));

/** `GET /api/storage/verify`: the latest run, null before the first. */
export const verifyStatusSchema = named(
  'VerifyStatus',
  z.object({ run: verifyRunSchema.nullable() }),
);

/** A lifecycle policy as recorded, every default applied (the schema its event is read by). */
export const storagePolicySchema = named('StoragePolicy', policySchema);

/** One run of a lifecycle policy. */
export const policyRunSchema = named(
  'PolicyRun',
  z.object({
    policy: z.string(),
    state: z.enum(['running', 'done', 'failed']),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    examined: z.number().int(),
    moved: z.number().int(),
    failed: z.number().int(),
    lastError: z.string().optional(),
  }),
);

/** `POST /api/storage/policies`: the policy recorded and the run it started. */
export const policyAppliedSchema = named(
  'PolicyApplied',
  z.object({ policy: storagePolicySchema, run: policyRunSchema }),
);

/** `GET /api/storage/policies`: every policy with its latest run. */
export const policyListSchema = named(
  'PolicyList',
  z.object({
    policies: z.array(z.object({ policy: storagePolicySchema, run: policyRunSchema.nullable() })),
  }),
);

export type TierStatus = z.infer<typeof tierStatusSchema>;
export type StorageStatus = z.infer<typeof storageStatusSchema>;
export type ContentLocation = z.infer<typeof contentLocationSchema>;
export type MoveOutcome = z.infer<typeof moveOutcomeSchema>;
export type VerifyRun = z.infer<typeof verifyRunSchema>;
export type VerifyStarted = z.infer<typeof verifyStartedSchema>;
export type VerifyStatus = z.infer<typeof verifyStatusSchema>;
export type StoragePolicy = z.infer<typeof storagePolicySchema>;
export type PolicyRun = z.infer<typeof policyRunSchema>;
export type PolicyApplied = z.infer<typeof policyAppliedSchema>;
export type PolicyList = z.infer<typeof policyListSchema>;
