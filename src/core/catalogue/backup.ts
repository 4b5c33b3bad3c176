import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';

const count = z.number().int().min(0);

/**
 * Recorded on `storage.Backup.<tier>` once a backup's manifest is stored and verified in the
 * tier and named there (`refs/backups/…`), so a restore from the tier alone finds it.
 */
export const BackupCompleted = defineEvent(
  'BackupCompleted',
  z.object({
    tier: z.string(),
    /** CID of the manifest (raw, sha2-256). */
    manifest: z.string(),
    /** The manifest this backup adds to (an incremental one), or null for a full backup. */
    previous: z.string().nullable(),
    /** Stream positions 1…eventsThrough are in this backup and those before it. */
    eventsThrough: count,
    /** What this run added: events, KV entries, content objects copied, and bytes written. */
    events: count,
    kvEntries: count,
    objects: count,
    bytes: count,
    seconds: z.number().min(0),
  }),
);
export type BackupCompletedData = EventData<typeof BackupCompleted>;
