import type { RecordedEvent } from '../core/envelope.js';
import type { AggregateHead } from './event-store.js';
import type { JetStreamEventReader } from './jetstream-event-reader.js';

/** How far back a retry is searched for its own events before it is called a conflict. */
const MAX_IDEMPOTENCY_WALK = 1000;

/**
 * Looks for `filled` recorded right after `afterVersion` in the aggregate (a command retried
 * with the same event ids); returns them if all are there, by walking back from `head`.
 */
export async function findRecorded(
  reader: JetStreamEventReader,
  subject: string,
  head: AggregateHead,
  afterVersion: number,
  filled: readonly { id: string }[],
): Promise<RecordedEvent[] | undefined> {
  const lastVersion = afterVersion + filled.length;
  if (
    afterVersion < 0 ||
    head.version < lastVersion ||
    head.version - afterVersion > MAX_IDEMPOTENCY_WALK
  ) {
    return undefined;
  }
  const events = await reader.walkBack(subject, head.position, afterVersion + 1);
  const mine = events.filter((e) => e.event.version <= lastVersion);
  const same = mine.length === filled.length && mine.every((e, i) => e.event.id === filled[i]!.id);
  return same ? mine : undefined;
}
