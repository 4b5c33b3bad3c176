import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { ParsedEvent } from '../event-type.js';
import type { RecordedEvent } from '../envelope.js';

const count = z.number().int().min(0);

/**
 * The state every archive event carries in full, so the aggregate's last event alone says where
 * the archive stands (earlier ones may themselves have been purged).
 */
const archiveStateSchema = z.object({
  /** CID of the newest index object (raw, sha2-256), or null before the first seal. */
  index: z.string().nullable(),
  /** Positions 1…sealedThrough are in the archive. */
  sealedThrough: count,
  /** Positions 1…purgedThrough are read from the archive, not the stream. */
  purgedThrough: count,
  /** Positions 1…purgeDoneThrough have been removed from the stream (but each aggregate's last). */
  purgeDoneThrough: count,
  /** Events and segment objects in the archive, and the segments' bytes. */
  events: count,
  segments: count,
  bytes: count,
});
export type EventArchiveState = z.output<typeof archiveStateSchema>;

/** Recorded on `storage.EventArchive.CIM_EVENTS` after a seal run stored its segments and index. */
export const EventArchiveSealed = defineEvent('EventArchiveSealed', archiveStateSchema);
/** Recorded on the same aggregate after archived positions were purged from the stream. */
export const EventArchivePurged = defineEvent('EventArchivePurged', archiveStateSchema);

/** The archive state an event of the archive's aggregate holds, whichever of the two it is. */
export function parseArchiveState(recorded: RecordedEvent): ParsedEvent<EventArchiveState> {
  return EventArchivePurged.is(recorded)
    ? EventArchivePurged.safeParse(recorded)
    : EventArchiveSealed.safeParse(recorded);
}
