import type { EventEnvelope } from '../core/envelope.js';
import { sealEnvelope } from '../core/envelope.js';
import { UnavailableError } from '../core/errors.js';
import type { AggregateRef } from '../core/subjects.js';
import { isApiError, JetStreamApiCodes } from '../nats/api-error.js';
import { OutgoingHeaders } from '../nats/fast-path/index.js';
import type { AggregateHead, AppendOptions, EventDraft } from './event-store.js';
import { HEADER } from './headers.js';

/** One event ready to publish: its envelope, encoded body and CID. */
export interface Sealed {
  readonly envelope: EventEnvelope;
  readonly body: Uint8Array;
  readonly cid: string;
}

/** An append after validation, with ids, times and attribution filled in. */
export interface PreparedAppend
  extends AggregateRef, Pick<EventEnvelope, 'actor' | 'correlationId' | 'causationId'> {
  readonly subject: string;
  readonly expected: AppendOptions['expectedVersion'];
  readonly explicitIds: boolean;
  readonly filled: readonly {
    type: string;
    data: EventDraft['data'];
    id: string;
    occurredAt: string;
  }[];
}

/** The headers of one event; `position` is the stream position of the aggregate's last event. */
export function headersFor(item: Sealed, position: number): OutgoingHeaders {
  const h = new OutgoingHeaders();
  const since = String(position);
  h.append(HEADER.msgId, item.envelope.id);
  h.append(HEADER.expectedLastSubjectSequence, since);
  h.append(HEADER.eventType, item.envelope.type);
  h.append(HEADER.eventCid, item.cid);
  h.append(HEADER.correlationId, item.envelope.correlationId);
  if (item.envelope.causationId !== null) h.append(HEADER.causationId, item.envelope.causationId);
  h.append(HEADER.prevPosition, since);
  return h;
}

/** The refusal of a publish whose expected last subject sequence was not the stream's. */
export function isWrongLastSequence(err: unknown): boolean {
  return isApiError(err, JetStreamApiCodes.StreamWrongLastSequence);
}

/** The error of an event the store did not acknowledge, saying what to do. */
export function notAcknowledged(item: Sealed, err: unknown): UnavailableError {
  // The publisher's own sentence (no quorum after its retries) already says what to do.
  if (err instanceof UnavailableError) return err;
  return new UnavailableError(
    `The event store did not acknowledge event ${item.envelope.id} (${(err as Error).message}): retry the command with the same event ids.`,
    { cause: err },
  );
}

/**
 * The command's events as they will be stored, numbered after `head` and chained to its CID;
 * an event over `maxEventBytes` is refused here, before anything is written.
 */
export function sealEvents(
  command: PreparedAppend,
  head: AggregateHead | undefined,
  maxEventBytes: number,
): Sealed[] {
  let version = head?.version ?? 0;
  let prev = head?.cid ?? null;
  return command.filled.map((draft) => {
    // One literal with a fixed key order keeps every envelope the same shape for V8.
    const envelope: EventEnvelope = {
      domain: command.domain,
      aggregate: command.aggregate,
      aggregateId: command.aggregateId,
      id: draft.id,
      type: draft.type,
      version: ++version,
      occurredAt: draft.occurredAt,
      actor: command.actor,
      correlationId: command.correlationId,
      causationId: command.causationId,
      prev,
      data: draft.data,
    };
    const { body, cid } = sealEnvelope(envelope, maxEventBytes);
    prev = cid;
    return { envelope, body, cid };
  });
}
