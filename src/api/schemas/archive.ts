import { z } from 'zod';
import { named } from './registry.js';

/** One run sealing old events into the archive (and purging them), as status reports it. */
export const archiveRunSchema = named(
  'ArchiveRun',
  z.object({
    request: z.object({
      to: z.string(),
      through: z.number().int().optional(),
      olderThanSeconds: z.number().int().optional(),
      purge: z.boolean(),
    }),
    state: z.enum(['running', 'done', 'failed']),
    phase: z.enum(['sealing', 'purging', 'finished']),
    through: z.number().int(),
    events: z.number().int(),
    segments: z.number().int(),
    bytes: z.number().int(),
    purged: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
  }),
);

/** Where the event archive stands: positions sealed and purged, and what it holds. */
export const archiveStateSchema = named(
  'ArchiveState',
  z.object({
    index: z.string().nullable(),
    sealedThrough: z.number().int(),
    purgedThrough: z.number().int(),
    purgeDoneThrough: z.number().int(),
    events: z.number().int(),
    segments: z.number().int(),
    bytes: z.number().int(),
  }),
);

/** `GET /api/events/archive`: the archive and its latest run (null before the first). */
export const archiveStatusSchema = named(
  'ArchiveStatus',
  z.object({ archive: archiveStateSchema, run: archiveRunSchema.nullable() }),
);

/** `POST /api/events/archive`: the run started. */
export const archiveStartedSchema = named('ArchiveStarted', z.object({ run: archiveRunSchema }));

export type ArchiveRun = z.infer<typeof archiveRunSchema>;
export type ArchiveState = z.infer<typeof archiveStateSchema>;
export type ArchiveStatus = z.infer<typeof archiveStatusSchema>;
export type ArchiveStarted = z.infer<typeof archiveStartedSchema>;
