import { z } from 'zod';
import { named } from './registry.js';

/** Server features CIM uses when present (src/nats/features.ts). */
export const serverFeaturesSchema = named(
  'ServerFeatures',
  z.object({
    metadataAndMultiFilter: z.boolean(),
    clusterSafe: z.boolean(),
    messageTtl: z.boolean(),
    batchDirectGet: z.boolean(),
    atomicBatch: z.boolean(),
  }),
);

/** `GET /api/health`: this process, its components and its NATS server. */
export const healthSchema = named(
  'Health',
  z.object({
    status: z.literal('ok'),
    version: z.string(),
    startedAt: z.string(),
    components: z.array(z.object({ name: z.string(), status: z.literal('ok') })),
    /** Faults found by the last whole-node storage check (scrub, reconciliation or verify). */
    storage: z
      .object({
        state: z.enum(['ok', 'faults', 'unchecked']),
        lost: z.number().int(),
        unrepaired: z.number().int(),
        repaired: z.number().int(),
        eventProblems: z.number().int(),
        lastCheck: z.object({ kind: z.string(), at: z.string() }).nullable(),
      })
      .optional(),
    nats: z.object({
      url: z.string(),
      serverVersion: z.string(),
      features: serverFeaturesSchema,
    }),
  }),
);

export type Health = z.infer<typeof healthSchema>;
