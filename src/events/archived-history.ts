import type { JsonValue } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';
import { EVENTS_STREAM } from '../core/subjects.js';

/** One event as the archive holds it: the exact message body with its stream identity. */
export interface ArchivedEvent {
  readonly position: number;
  readonly subject: string;
  /** The message body, byte for byte as it was in the stream. */
  readonly body: Uint8Array;
  /** The event CID recorded with the message (`Cim-Event-Cid`). */
  readonly cid: string;
  /** The position of the aggregate's previous event (`Cim-Prev-Position`), 0 for its first. */
  readonly prevPosition: number;
  /** When JetStream recorded the message, in milliseconds since the epoch. */
  readonly recordedAt: number;
}

/**
 * History the stream no longer holds: events purged from JetStream after they were sealed into
 * the event archive. The event store reads positions up to {@link purgedThrough} from here, so
 * aggregates, subscriptions and verification see one unbroken history.
 */
export interface ArchivedHistory {
  /** Positions up to this one are read from the archive rather than the stream (0: none). */
  purgedThrough(): Promise<number>;
  /** The archived event at `position`, its segment verified by hash, or undefined. */
  get(position: number): Promise<ArchivedEvent | undefined>;
  /** Archived events with `after < position ≤ through`, oldest first. */
  scan(after: number, through: number): AsyncIterable<ArchivedEvent>;
}

/** The aggregate whose events record the state of the archive of stream `CIM_EVENTS`. */
export const EVENT_ARCHIVE_REF: AggregateRef = {
  domain: 'storage',
  aggregate: 'EventArchive',
  aggregateId: EVENTS_STREAM,
};

/** Recorded after a seal run stored its segments and index. */
export const EVENT_ARCHIVE_SEALED = 'EventArchiveSealed';
/** Recorded after archived positions were purged from the stream. */
export const EVENT_ARCHIVE_PURGED = 'EventArchivePurged';

/**
 * The state every archive event carries in full, so the aggregate's last event alone says where
 * the archive stands (earlier ones may themselves have been purged).
 */
export interface EventArchiveState extends Record<string, JsonValue> {
  /** CID of the newest index object (raw, sha2-256), or null before the first seal. */
  readonly index: string | null;
  /** Positions 1…sealedThrough are in the archive. */
  readonly sealedThrough: number;
  /** Positions 1…purgedThrough are read from the archive, not the stream. */
  readonly purgedThrough: number;
  /** Positions 1…purgeDoneThrough have been removed from the stream (but each aggregate's last). */
  readonly purgeDoneThrough: number;
  /** Events and segment objects in the archive, and the segments' bytes. */
  readonly events: number;
  readonly segments: number;
  readonly bytes: number;
}

/** The state of an archive that has never sealed anything. */
export const EMPTY_ARCHIVE: EventArchiveState = {
  index: null,
  sealedThrough: 0,
  purgedThrough: 0,
  purgeDoneThrough: 0,
  events: 0,
  segments: 0,
  bytes: 0,
};

/** Reads an archive state out of event data, or undefined when it is not one. */
export function toArchiveState(data: JsonValue): EventArchiveState | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { index, sealedThrough, purgedThrough, purgeDoneThrough, events, segments, bytes } = data;
  const counts = [sealedThrough, purgedThrough, purgeDoneThrough, events, segments, bytes];
  if (!counts.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0))
    return undefined;
  if (index !== null && typeof index !== 'string') return undefined;
  return {
    index,
    sealedThrough: sealedThrough as number,
    purgedThrough: purgedThrough as number,
    purgeDoneThrough: purgeDoneThrough as number,
    events: events as number,
    segments: segments as number,
    bytes: bytes as number,
  };
}
