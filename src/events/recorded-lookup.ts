import type { RecordedEvent } from '../core/envelope.js';
import { IntegrityError } from '../core/errors.js';
import type { Steps } from './append-steps.js';
import { expectOutcome } from './append-steps.js';
import type { AggregateHead } from './event-store.js';
import type { Sealed } from './sealed-append.js';

/** How far back a retry is searched for its own events before it is called a conflict. */
const MAX_IDEMPOTENCY_WALK = 1000;

/**
 * Looks for `filled` recorded right after `afterVersion` in the aggregate (a command retried
 * with the same event ids); returns them if all are there, read back from `head`.
 */
export function* findRecorded(
  head: AggregateHead,
  afterVersion: number,
  filled: readonly { id: string }[],
): Steps<RecordedEvent[] | undefined> {
  const lastVersion = afterVersion + filled.length;
  if (
    afterVersion < 0 ||
    head.version < lastVersion ||
    head.version - afterVersion > MAX_IDEMPOTENCY_WALK
  ) {
    return undefined;
  }
  const { events } = expectOutcome(
    yield { kind: 'readBack', from: head.position, fromVersion: afterVersion + 1 },
    'events',
  );
  const mine = events.filter((e) => e.event.version <= lastVersion);
  const same = mine.length === filled.length && mine.every((e, i) => e.event.id === filled[i]!.id);
  return same ? mine : undefined;
}

/** The event the server already held under this event's id (a retried command). */
export function* storedDuplicate(item: Sealed, seq: number): Steps<RecordedEvent> {
  const { event } = expectOutcome(yield { kind: 'readStored', position: seq }, 'stored');
  if (!event) {
    throw new IntegrityError(
      `Event ${item.envelope.id} was acknowledged as a duplicate but is missing.`,
    );
  }
  return event;
}
