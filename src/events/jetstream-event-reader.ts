import { DeliverPolicy } from '@nats-io/jetstream';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { DirectMessage, DirectReader } from '../nats/fast-path/index.js';
import type { RecordedEvent } from '../core/envelope.js';
import { decodeEnvelope } from '../core/envelope.js';
import { eventCidString } from '../core/cid.js';
import { IntegrityError } from '../core/errors.js';
import { EVENTS_STREAM, eventFilter, subjectMatchesFilter } from '../core/subjects.js';
import type { ArchivedEvent, ArchivedHistory } from './archived-history.js';
import type {
  AggregateHead,
  EventSubscription,
  ReadAllOptions,
  StoredEventMessage,
} from './event-store.js';
import { HEADER } from './headers.js';
import { stitchedSubscription } from './stitched-subscription.js';
import { FOLLOW_PULL_EXPIRES_MS } from '../nats/consume-options.js';

/** A message located in the stream or in the archive, before its CID is checked. */
interface LocatedMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headerCid: string | undefined;
  readonly prevPosition: number;
}

function fromDirect(msg: DirectMessage): LocatedMessage {
  return {
    seq: msg.seq,
    subject: msg.subject,
    data: msg.data,
    headerCid: msg.header.get(HEADER.eventCid) || undefined,
    prevPosition: Number(msg.header.get(HEADER.prevPosition)) || 0,
  };
}

function fromArchive(e: ArchivedEvent): LocatedMessage {
  return {
    seq: e.position,
    subject: e.subject,
    data: e.body,
    headerCid: e.cid,
    prevPosition: e.prevPosition,
  };
}

function storedOf(e: ArchivedEvent): StoredEventMessage {
  return {
    position: e.position,
    subject: e.subject,
    body: e.body,
    headerCid: e.cid,
    prevPosition: e.prevPosition,
    recordedAt: e.recordedAt,
  };
}

/** A message of the events stream (or of a mirror of it) as read, before its CID is checked. */
export function storedMessageOf(m: JsMsg): StoredEventMessage {
  return {
    position: m.seq,
    subject: m.subject,
    body: m.data,
    headerCid: m.headers?.get(HEADER.eventCid) || undefined,
    prevPosition: Number(m.headers?.get(HEADER.prevPosition)) || 0,
    recordedAt: Math.floor(m.info.timestampNanos / 1_000_000),
  };
}

/**
 * The reading side of {@link JetStreamEventStore}: aggregates by direct gets following the
 * `Cim-Prev-Position` back-links, the stream by position, subscriptions through ordered
 * consumers. Every event is checked against its CID as it is read.
 */
export class JetStreamEventReader {
  private archive: ArchivedHistory | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly direct: DirectReader,
  ) {}

  /** Reads positions the stream no longer holds from `history` from now on. */
  useArchive(history: ArchivedHistory): void {
    this.archive = history;
  }

  /** Positions up to this one come from the archive (0 without one). */
  private purgedThrough(): Promise<number> {
    return this.archive ? this.archive.purgedThrough() : Promise.resolve(0);
  }

  /** The message at `position`: from the stream, else from the archive, else null. */
  private async at(position: number): Promise<LocatedMessage | null> {
    const msg = await this.direct.get(EVENTS_STREAM, { seq: position });
    if (msg) return fromDirect(msg);
    const archived = await this.archive?.get(position);
    return archived ? fromArchive(archived) : null;
  }

  /** Archived events after `after` up to `through` on the filter's subjects, CID-checked. */
  private async *archived(
    after: number,
    through: number,
    options: ReadAllOptions,
  ): AsyncIterable<RecordedEvent> {
    if (!this.archive) return;
    for await (const e of this.archive.scan(after, through)) {
      if (!subjectMatchesFilter(e.subject, options.filter ?? {})) continue;
      yield this.checked(fromArchive(e));
    }
  }

  /** The last event of the aggregate on `subject`, if any. */
  async last(subject: string): Promise<RecordedEvent | undefined> {
    const msg = await this.direct.get(EVENTS_STREAM, { last_by_subj: subject });
    return msg ? this.toRecorded(msg) : undefined;
  }

  /** Version, position, CID and id of the aggregate's last event, if any. */
  async head(subject: string): Promise<AggregateHead | undefined> {
    const msg = await this.direct.get(EVENTS_STREAM, { last_by_subj: subject });
    if (!msg) return undefined;
    const recorded = this.toRecorded(msg);
    return {
      version: recorded.event.version,
      position: recorded.position,
      cid: recorded.cid,
      eventId: recorded.event.id,
    };
  }

  /** The aggregate's events from `fromVersion`, oldest first, every link checked. */
  async readAggregate(subject: string, fromVersion: number): Promise<RecordedEvent[]> {
    const last = await this.direct.get(EVENTS_STREAM, { last_by_subj: subject });
    if (!last) return [];
    return this.walkBack(subject, last.seq, fromVersion, last);
  }

  /** Follows `Cim-Prev-Position` from `position` down to `fromVersion`, checking every link. */
  async walkBack(
    subject: string,
    position: number,
    fromVersion: number,
    first?: DirectMessage,
  ): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let msg: LocatedMessage | null = first ? fromDirect(first) : await this.at(position);
    let newer: RecordedEvent | undefined;
    while (msg) {
      if (msg.subject !== subject) {
        throw new IntegrityError(
          `The event at position ${msg.seq} belongs to ${msg.subject}, not ${subject}.`,
        );
      }
      const recorded = this.checked(msg);
      if (newer && newer.event.prev !== recorded.cid) {
        throw new IntegrityError(
          `The chain of ${subject} breaks at version ${newer.event.version}.`,
        );
      }
      if (recorded.event.version < fromVersion) break;
      out.push(recorded);
      newer = recorded;
      const prevPosition = msg.prevPosition;
      if (recorded.event.version === fromVersion || !(prevPosition > 0)) break;
      msg = await this.at(prevPosition);
      if (!msg)
        throw new IntegrityError(`The event at position ${prevPosition} of ${subject} is missing.`);
    }
    return out.reverse();
  }

  /** Up to `limit` events after a position: archived ones first, then by direct gets. */
  async readAll(options: ReadAllOptions & { readonly limit: number }): Promise<RecordedEvent[]> {
    const filter = eventFilter(options.filter ?? {});
    const out: RecordedEvent[] = [];
    let position = options.after ?? 0;
    const purged = await this.purgedThrough();
    if (position < purged) {
      for await (const e of this.archived(position, purged, options)) {
        out.push(e);
        if (out.length >= options.limit) return out;
      }
      position = purged;
    }
    while (out.length < options.limit) {
      const msg = await this.direct.get(EVENTS_STREAM, {
        seq: position + 1,
        next_by_subj: filter,
      });
      if (!msg) break;
      out.push(this.toRecorded(msg));
      position = msg.seq;
    }
    return out;
  }

  /** Catch-up (archived events first) then live, through an ordered consumer. */
  async subscribe(options: ReadAllOptions = {}): Promise<EventSubscription> {
    const after = options.after ?? 0;
    const purged = await this.purgedThrough();
    if (after >= purged) return this.follow(options);
    const live = await this.follow({ ...options, after: purged });
    return stitchedSubscription(this.archived(after, purged, options), live);
  }

  private async follow(options: ReadAllOptions): Promise<EventSubscription> {
    const consumer = await this.orderedConsumer(options);
    const messages = await consumer.consume({ expires: FOLLOW_PULL_EXPIRES_MS });
    const toRecorded = (m: JsMsg) =>
      this.toRecorded({ seq: m.seq, subject: m.subject, data: m.data, header: m.headers });
    return {
      // A plain mapping iterator: an async generator here cost a promise hop per event on replay.
      [Symbol.asyncIterator]() {
        const source = messages[Symbol.asyncIterator]();
        return {
          async next(): Promise<IteratorResult<RecordedEvent>> {
            const step = await source.next();
            return step.done
              ? { done: true, value: undefined }
              : { done: false, value: toRecorded(step.value) };
          },
          // Delegates to the source: awaiting close() here would wait for a drain nobody runs.
          async return(): Promise<IteratorResult<RecordedEvent>> {
            await source.return?.();
            return { done: true, value: undefined };
          },
        };
      },
      async stop() {
        await messages.close();
      },
    };
  }

  /** Every message up to the end when called, once (archived ones first), unchecked. */
  async *scan(options: ReadAllOptions = {}): AsyncIterable<StoredEventMessage> {
    let after = options.after ?? 0;
    const purged = await this.purgedThrough();
    if (this.archive && after < purged) {
      for await (const e of this.archive.scan(after, purged)) {
        if (subjectMatchesFilter(e.subject, options.filter ?? {})) yield storedOf(e);
      }
      after = purged;
    }
    // The end is fixed up front: a message's `pending` count is not a safe end marker, since
    // nats-server 2.9 miscounts it once messages inside the stream were purged (the archive).
    // It comes from the leader: a follower's answer may miss the newest acknowledged events.
    const last = await this.direct.getFromLeader(EVENTS_STREAM, {
      last_by_subj: eventFilter(options.filter ?? {}),
    });
    if (!last || last.seq <= after) return;
    const consumer = await this.orderedConsumer({ ...options, after });
    const messages = await consumer.consume();
    try {
      for await (const m of messages) {
        yield storedMessageOf(m);
        if (m.seq >= last.seq) break;
      }
    } finally {
      await messages.close();
    }
  }

  private orderedConsumer(options: ReadAllOptions) {
    const after = options.after ?? 0;
    return this.js.consumers.get(EVENTS_STREAM, {
      filter_subjects: eventFilter(options.filter ?? {}),
      ...(after > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    });
  }

  /** Turns a stored message into a recorded event, refusing bytes that do not match their CID. */
  toRecorded(
    msg: Pick<DirectMessage, 'seq' | 'subject' | 'data'> & { header: MsgHdrs | undefined },
  ): RecordedEvent {
    return this.checked({
      seq: msg.seq,
      data: msg.data,
      headerCid: msg.header?.get(HEADER.eventCid) || undefined,
    });
  }

  private checked(msg: Pick<LocatedMessage, 'seq' | 'data' | 'headerCid'>): RecordedEvent {
    const cid = eventCidString(msg.data);
    const headerCid = msg.headerCid;
    if (headerCid !== cid) {
      throw new IntegrityError(
        `The event at position ${msg.seq} hashes to ${cid}, not to its recorded CID ${headerCid ?? '(none)'}.`,
      );
    }
    const event = decodeEnvelope(msg.data);
    if (!event) throw new IntegrityError(`The message at position ${msg.seq} is not a CIM event.`);
    return { event, cid, position: msg.seq };
  }
}
