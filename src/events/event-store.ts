import type { JsonValue, RecordedEvent } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';
import type { ArchivedHistory } from './archived-history.js';

/** An event a command wants to record; the store fills in the envelope. */
export interface EventDraft<D extends JsonValue = JsonValue> {
  readonly type: string;
  readonly data: D;
  /** Give an id (UUIDv7) to make retries of the same command idempotent; one is made otherwise. */
  readonly id?: string;
  readonly occurredAt?: string;
}

/** How an append is checked and attributed. */
export interface AppendOptions {
  /**
   * The version the aggregate must be at (0: it must not exist yet), checked by the server.
   * `'any'` appends after whatever is there.
   */
  readonly expectedVersion: number | 'any';
  readonly actor?: string;
  readonly correlationId?: string;
  readonly causationId?: string | null;
}

/** The outcome of an append. */
export interface AppendResult {
  /** The recorded events, in order. */
  readonly events: RecordedEvent[];
  /** The aggregate's version after the append. */
  readonly version: number;
  /** True when every event had already been recorded (an idempotent retry). */
  readonly duplicate: boolean;
}

/** Where an aggregate stands: its last event. */
export interface AggregateHead {
  readonly version: number;
  readonly position: number;
  readonly cid: string;
  readonly eventId: string;
}

/** A raw message of the event stream, as the verifier and other clients see it. */
export interface StoredEventMessage {
  readonly position: number;
  readonly subject: string;
  readonly body: Uint8Array;
  readonly headerCid: string | undefined;
  /** The position of the aggregate's previous event (`Cim-Prev-Position`), 0 for its first. */
  readonly prevPosition: number;
  /** When the message was recorded, in milliseconds since the epoch. */
  readonly recordedAt: number;
}

/** A live feed of events; iterate it, and stop it when done. */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration and releases the server-side consumer. */
  stop(): Promise<void>;
}

/** Options for reading and subscribing from a global position. */
export interface ReadAllOptions {
  /** Read events after this position (0: from the start). */
  readonly after?: number;
  /** Only events of these aggregates (omitted tokens match anything). */
  readonly filter?: Partial<AggregateRef>;
}

/**
 * The event store: appends with server-checked expected versions, reads of one aggregate or of
 * everything, and subscriptions that catch up and then follow live.
 */
export interface EventStore {
  append(
    ref: AggregateRef,
    drafts: readonly EventDraft[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  /** Where the aggregate stands (version, position, CID), or undefined when it has no events. */
  head(ref: AggregateRef): Promise<AggregateHead | undefined>;
  /** The aggregate's last event, CID-verified, or undefined when it has none. */
  last(ref: AggregateRef): Promise<RecordedEvent | undefined>;
  /** Every event of one aggregate from `fromVersion` (default 1), oldest first, each CID-verified. */
  readAggregate(ref: AggregateRef, fromVersion?: number): Promise<RecordedEvent[]>;
  /** Up to `limit` events after a position, oldest first. */
  readAll(options: ReadAllOptions & { readonly limit: number }): Promise<RecordedEvent[]>;
  /** The position of the stream's last event (0 when nothing was ever recorded). */
  lastPosition(): Promise<number>;
  /** Catch up from a position, then follow new events as they are recorded. */
  subscribe(options?: ReadAllOptions): Promise<EventSubscription>;
  /** Every raw message up to the stream's end when called, for verification. */
  scan(options?: ReadAllOptions): AsyncIterable<StoredEventMessage>;
  /**
   * Reads positions the stream no longer holds from `history` from now on (the event archive),
   * so aggregates, reads, subscriptions and scans still see every event.
   */
  useArchive(history: ArchivedHistory): void;
}
