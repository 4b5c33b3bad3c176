import type { EventEnvelope } from '../core/envelope.js';
import { assertEventFields, sealEnvelope } from '../core/envelope.js';
import { InvalidInputError, UnavailableError } from '../core/errors.js';
import { newId, nowIso } from '../core/ids.js';
import type { AggregateRef } from '../core/subjects.js';
import { eventSubject } from '../core/subjects.js';
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

/** Validates an append and fills in what the caller left out; throws on bad input. */
export function prepareAppend(
  ref: AggregateRef,
  drafts: readonly EventDraft[],
  options: AppendOptions,
  defaultActor: string,
): PreparedAppend {
  const subject = eventSubject(ref);
  const expected = options.expectedVersion;
  if (drafts.length === 0) throw new InvalidInputError('An append needs at least one event.');
  if (expected !== 'any' && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new InvalidInputError(
      `The expected version ${expected} must be an integer ≥ 0 or "any".`,
    );
  }
  // Validated once here; the store fills in ids, times and versions that are valid by making.
  for (const draft of drafts) assertEventFields(draft);
  const now = nowIso();
  const filled = drafts.map((d) => ({
    type: d.type,
    data: d.data,
    id: d.id ?? newId(),
    occurredAt: d.occurredAt ?? now,
  }));
  return {
    subject,
    expected,
    explicitIds: drafts.every((d) => d.id !== undefined),
    filled,
    domain: ref.domain,
    aggregate: ref.aggregate,
    aggregateId: ref.aggregateId,
    actor: options.actor ?? defaultActor,
    // A command that starts a new causal chain is correlated by its first event.
    correlationId: options.correlationId ?? filled[0]!.id,
    causationId: options.causationId ?? null,
  };
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
