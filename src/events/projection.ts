import type { RecordedEvent } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';

/**
 * A read model fed by events. Handlers must be idempotent: after a crash, events since the last
 * checkpoint are delivered again.
 */
export interface Projection {
  /** Unique name (a subject token); it keys the checkpoint and the failure log. */
  readonly name: string;
  /** Only events of these aggregates; omitted tokens match anything. */
  readonly filter?: Partial<AggregateRef>;
  /** Applies one event to the read model. A throw is recorded as a failure and the runner goes on. */
  handle(event: RecordedEvent): Promise<void> | void;
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
  readonly at: string;
}

/** Where failures are kept so they are visible (status, API, metrics), never silent. */
export interface FailureLog {
  record(failure: ProjectionFailure): Promise<void>;
  list(projection: string): Promise<ProjectionFailure[]>;
  clear(projection: string): Promise<void>;
}
