import { z } from 'zod';
import { named } from './registry.js';

/** One backup run, as status reports it. */
export const backupRunSchema = named(
  'BackupRun',
  z.object({
    request: z.object({ to: z.string(), incremental: z.boolean() }),
    state: z.enum(['running', 'done', 'failed']),
    phase: z.enum(['events', 'state', 'content', 'manifest', 'finished']),
    manifest: z.string().nullable(),
    previous: z.string().nullable(),
    events: z.number().int(),
    kvEntries: z.number().int(),
    objects: z.number().int(),
    bytes: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
  }),
);

/** `GET /api/backup`: the latest backup run since the node started (null before the first). */
export const backupStatusSchema = named(
  'BackupStatus',
  z.object({ run: backupRunSchema.nullable() }),
);

/** `POST /api/backup`: the run started. */
export const backupStartedSchema = named('BackupStarted', z.object({ run: backupRunSchema }));

export type BackupRun = z.infer<typeof backupRunSchema>;
export type BackupStatus = z.infer<typeof backupStatusSchema>;
export type BackupStarted = z.infer<typeof backupStartedSchema>;
