import type { EventArchiveState } from '../core/catalogue/archive.js';
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

/**
 * The aggregate whose events (`EventArchiveSealed`, `EventArchivePurged`) record the state of the
 * archive of stream `CIM_EVENTS`.
 */
export const EVENT_ARCHIVE_REF: AggregateRef = {
  domain: 'storage',
  aggregate: 'EventArchive',
  aggregateId: EVENTS_STREAM,
};

export type { EventArchiveState } from '../core/catalogue/archive.js';

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
