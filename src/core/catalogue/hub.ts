import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';

/**
 * A connector definition as recorded, every default applied (the Integration Hub, issue 19).
 * `settings` are the kind's own, checked by that kind's schema when applied; they hold names of
 * credential files, never a secret itself.
 */
export const connectorDefinitionSchema = z.object({
  /** A token (`[A-Za-z0-9_-]`): the connector's aggregate id and its name in every command. */
  name: z.string(),
  /** The connector kind (`folder`, `feed`, `web`, `mail`, `s3`, `git`, `nats`, `webhook`, or a plugin's). */
  kind: z.string(),
  description: z.string().exactOptional(),
  /** Milliseconds between polls; a kind that watches its source polls early when told to. */
  intervalMs: z.number().int(),
  /** Tags every unit from this connector carries, besides the ones the kind derives. */
  tags: z.array(z.string()),
  /** Context of every unit from this connector, or null. */
  context: z.string().nullable(),
  /** Most items a second taken from the source (0: no limit). */
  ratePerSecond: z.number(),
  /** How a failed item or poll is retried: exponential backoff with jitter, capped. */
  retry: z.object({
    attempts: z.number().int(),
    backoffMs: z.number(),
    maxBackoffMs: z.number(),
  }),
  settings: z.record(z.string(), z.json()),
});
export type ConnectorDefinition = z.output<typeof connectorDefinitionSchema>;

/** A definition was applied on `hub.Connector.<name>` (created, or a new version of it). */
export const ConnectorApplied = defineEvent(
  'ConnectorApplied',
  z.object({
    definition: connectorDefinitionSchema,
    /** DAG-CBOR CID of the definition: equal definitions are one version. */
    definitionCid: z.string(),
  }),
);
export type ConnectorAppliedData = EventData<typeof ConnectorApplied>;

const reasonSchema = z.object({ reason: z.string().nullable() });

/** The connector stopped polling; its cursor stays where it is. */
export const ConnectorPaused = defineEvent('ConnectorPaused', reasonSchema);
/** A paused or failed connector polls again, from its last checkpoint. */
export const ConnectorResumed = defineEvent('ConnectorResumed', reasonSchema);
/** The connector was removed: it polls no more; what it brought in stays. */
export const ConnectorRemoved = defineEvent('ConnectorRemoved', reasonSchema);
/** Data of {@link ConnectorPaused}, {@link ConnectorResumed} and {@link ConnectorRemoved}. */
export type ConnectorStateData = EventData<typeof ConnectorPaused>;

/**
 * A poll failed as a whole (the source refused the credentials, cannot be reached, answered
 * nonsense): the connector is `failed` with this one sentence until a later poll succeeds.
 */
export const ConnectorFailed = defineEvent(
  'ConnectorFailed',
  z.object({
    /** One sentence: what is wrong and what to do. */
    reason: z.string(),
    /** The error's stable code (`UNAVAILABLE`, `INVALID_CONFIG`, ...). */
    code: z.string(),
    /** Consecutive failed polls, this one included. */
    failures: z.number().int(),
  }),
);
export type ConnectorFailedData = EventData<typeof ConnectorFailed>;

/** Counts of what a stretch of polling took in; summed by the read model. */
const countsSchema = z.object({
  /** Items whose content was new to the store. */
  stored: z.number().int(),
  /** Items that made a new version of a document whose content was already stored elsewhere. */
  linked: z.number().int(),
  /** Items the source gave again with the same content: recorded, not stored again. */
  seenAgain: z.number().int(),
  /** Items that failed (each a dead letter). */
  failed: z.number().int(),
  /** Deletions at the source (recorded; content is never erased by them). */
  removed: z.number().int(),
});
export type ConnectorCounts = z.output<typeof countsSchema>;

/**
 * The connector's position in its source after a stretch of work, the kind's own cursor (an
 * IMAP UIDVALIDITY and UID, a feed's ETag and item ids, an S3 listing's last key, a git ref, a
 * folder's seen state). A restart resumes from the last one; `rewind` re-reads from an earlier
 * one. Recorded at least once per completed poll, so the read model can tell a stalled connector.
 */
export const ConnectorCheckpointed = defineEvent(
  'ConnectorCheckpointed',
  z.object({
    cursor: z.json(),
    counts: countsSchema,
    /** True when the poll that recorded it finished (the last checkpoint of that poll). */
    pollCompleted: z.boolean(),
  }),
);
export type ConnectorCheckpointedData = EventData<typeof ConnectorCheckpointed>;

/**
 * `cim connector rewind NAME --to CHECKPOINT`: the next poll starts from the cursor of the
 * checkpoint at stream position `toPosition`, an auditable backfill (what is already stored is
 * seen again, not stored twice).
 */
export const ConnectorRewound = defineEvent(
  'ConnectorRewound',
  z.object({
    toPosition: z.number().int(),
    cursor: z.json(),
    reason: z.string().nullable(),
  }),
);
export type ConnectorRewoundData = EventData<typeof ConnectorRewound>;

/**
 * Recorded on `units.Document.<documentId>` when a source gave content its document already
 * holds as its latest version (a feed item fetched again, a file touched without a change): the
 * unit is not stored again, and the sighting is kept.
 */
export const UnitSeenAgain = defineEvent(
  'UnitSeenAgain',
  z.object({
    unitCid: z.string(),
    documentId: z.string(),
    contentCid: z.string(),
    /** The connector that saw it. */
    connector: z.string(),
  }),
);
export type UnitSeenAgainData = EventData<typeof UnitSeenAgain>;

/**
 * Recorded on `units.Document.<documentId>` when a connector saw the source of a document go
 * (a file deleted, a message expunged). Nothing is erased: the document's versions stay.
 */
export const SourceRemoved = defineEvent(
  'SourceRemoved',
  z.object({
    documentId: z.string(),
    source: z.string(),
    connector: z.string(),
  }),
);
export type SourceRemovedData = EventData<typeof SourceRemoved>;

/**
 * An item a connector could not take in (its payload could not be read or stored after every
 * attempt, or the connector could not fetch it): a dead letter on `hub.Connector.<name>`, kept
 * until a retry re-reads it.
 */
export const ConnectorItemFailed = defineEvent(
  'ConnectorItemFailed',
  z.object({
    /** The item's source URI. */
    source: z.string(),
    /** One sentence: what went wrong. */
    reason: z.string(),
    /** Attempts made, the last one included. */
    attempts: z.number().int(),
  }),
);
export type ConnectorItemFailedData = EventData<typeof ConnectorItemFailed>;

/**
 * `cim connector dead-letters NAME --retry`: the dead letters listed are cleared and the next
 * poll starts from the cursor of the checkpoint before the first of them (stream position
 * `toPosition`; 0 and a null cursor: from the beginning), so the source is read again from
 * there: what was already stored is seen again, what failed is tried again.
 */
export const ConnectorDeadLettersRetried = defineEvent(
  'ConnectorDeadLettersRetried',
  z.object({
    sources: z.array(z.string()),
    toPosition: z.number().int(),
    cursor: z.json(),
  }),
);
export type ConnectorDeadLettersRetriedData = EventData<typeof ConnectorDeadLettersRetried>;
