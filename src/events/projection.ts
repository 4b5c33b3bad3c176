import type { RecordedEvent } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';

/**
 * A read model fed by events. Handlers must be idempotent: after a crash, events since the last
 * checkpoint are delivered again.
 */
export interface Projection<Prepared = undefined> {
  /** Unique name (a subject token); it keys the checkpoint and the failure log. */
  readonly name: string;
  /** Only events of these aggregates; omitted tokens match anything. */
  readonly filter?: Partial<AggregateRef>;
  /**
   * Work on one event that needs no order, such as reading content it names: the runner starts
   * it for several upcoming events at once, so slow reads overlap, and passes each result to
   * {@link handle}, which still sees events one at a time in stream order. A throw here is
   * recorded as that event's failure.
   */
  prepare?(event: RecordedEvent): Promise<Prepared>;
  /** Applies one event to the read model. A throw is recorded as a failure and the runner goes on. */
  handle(event: RecordedEvent, prepared: Prepared | undefined): Promise<void> | void;
  /**
   * Applies several consecutive events at once, all or none (for example in one database
   * transaction, much cheaper than one per event). If it throws, the runner applies the same
   * events one by one with {@link handle}, so a bad event fails alone.
   */
  handleBatch?(
    batch: readonly { readonly event: RecordedEvent; readonly prepared: Prepared | undefined }[],
  ): Promise<void> | void;
  /** Empties the read model before a rebuild from position 0. */
  reset(): Promise<void> | void;
}

/** Durable record of how far each projection got. */
export interface CheckpointStore {
  load(projection: string): Promise<number>;
  save(projection: string, position: number): Promise<void>;
}

/** One event a projection could not apply. */
export interface ProjectionFailure {
  readonly projection: string;
  readonly position: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly error: string;
  /** The error's stable code when it had one (`malformed_event`: data not matching its schema). */
  readonly code?: string;
  readonly at: string;
}

/** Where failures are kept so they are visible (status, API, metrics), never silent. */
export interface FailureLog {
  record(failure: ProjectionFailure): Promise<void>;
  list(projection: string): Promise<ProjectionFailure[]>;
  clear(projection: string): Promise<void>;
}
