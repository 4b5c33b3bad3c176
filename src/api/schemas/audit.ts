import { z } from 'zod';
import { named } from './registry.js';

/** One change in the audit trail: who did what, when, to which aggregate. */
export const auditEntrySchema = named(
  'AuditEntry',
  z.object({
    position: z.number().int(),
    id: z.string(),
    type: z.string(),
    occurredAt: z.string(),
    actor: z.string(),
    domain: z.string(),
    aggregate: z.string(),
    aggregateId: z.string(),
    /** A short line saying what changed. */
    summary: z.string(),
  }),
);

/**
 * `GET /api/audit`: audited events newest first; `next` is the `before` that gives the page after
 * this one, or null when there is none.
 */
export const auditPageSchema = named(
  'AuditPage',
  z.object({
    entries: z.array(auditEntrySchema),
    next: z.number().int().nullable(),
    /** The event types the trail holds, for filters. */
    types: z.array(z.string()),
  }),
);

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditPage = z.infer<typeof auditPageSchema>;
