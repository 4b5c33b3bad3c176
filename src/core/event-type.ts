import type { z } from 'zod';
import type { JsonValue, RecordedEvent } from './envelope.js';
import { MalformedEventError } from './errors.js';
import { describeIssue } from './zod-issue.js';

/** What a writer may choose for one event besides its data; the store fills in the rest. */
export interface DraftFields {
  /** Give an id (UUIDv7) to make retries of the same command idempotent. */
  readonly id?: string;
  readonly occurredAt?: string;
}

/** A draft of one catalogued event type: an `EventDraft` whose data was checked by the compiler. */
export interface TypedDraft<T extends string, D extends JsonValue> extends DraftFields {
  readonly type: T;
  readonly data: D;
}

/** The outcome of {@link EventType.safeParse}. */
export type ParsedEvent<D> =
  | { readonly ok: true; readonly data: D }
  | { readonly ok: false; readonly error: MalformedEventError };

/**
 * One event type of the catalogue: its name, the zod schema of its data and, through `D`, the
 * TypeScript type of that data. Writers build drafts with {@link draft}; readers turn a recorded
 * event into typed data with {@link parse}, which refuses data the schema does not accept.
 */
export interface EventType<T extends string = string, D extends JsonValue = JsonValue> {
  readonly type: T;
  readonly schema: z.ZodType<D>;
  /**
   * A draft of this type. The data is checked at compile time only: writers build it from values
   * already validated, and the store checks that it encodes as DAG-JSON.
   */
  draft(data: D, fields?: DraftFields): TypedDraft<T, D>;
  /** True when the recorded event is of this type (its data is not looked at). */
  is(recorded: RecordedEvent): boolean;
  /**
   * The event's data, checked against the schema. Throws MalformedEventError naming the type,
   * the position and what was wrong when the data does not match or the event is of another type.
   */
  parse(recorded: RecordedEvent): D;
  /** As {@link parse}, returning the error instead of throwing it. */
  safeParse(recorded: RecordedEvent): ParsedEvent<D>;
}

/** The data type of a catalogued event type: `EventData<typeof UnitIngested>`. */
export type EventData<E> = E extends EventType<string, infer D> ? D : never;

/**
 * Defines an event type: a PascalCase past-tense name and the schema of its data. The schema's
 * output must be JSON (use `exactOptional()` for optional fields, never `optional()`), and it
 * must accept what it outputs, since readers parse what writers recorded.
 */
export function defineEvent<const T extends string, D extends JsonValue>(
  type: T,
  schema: z.ZodType<D>,
): EventType<T, D> {
  const safeParse = (recorded: RecordedEvent): ParsedEvent<D> => {
    const { event, position } = recorded;
    if (event.type !== type) {
      const error = new MalformedEventError(event.type, position, `is not a ${type} event`);
      return { ok: false, error };
    }
    const result = schema.safeParse(event.data);
    if (result.success) return { ok: true, data: result.data };
    const problem = result.error.issues
      .map((issue) => describeIssue(issue))
      .slice(0, 3)
      .join('; ');
    const error = new MalformedEventError(
      type,
      position,
      `does not match its schema (${problem}): its readers skip it; look for the writer that recorded it (actor ${event.actor})`,
      { cause: result.error },
    );
    return { ok: false, error };
  };
  return {
    type,
    schema,
    draft: (data, fields = {}) => ({ ...fields, type, data }),
    is: (recorded) => recorded.event.type === type,
    parse(recorded) {
      const parsed = safeParse(recorded);
      if (!parsed.ok) throw parsed.error;
      return parsed.data;
    },
    safeParse,
  };
}
