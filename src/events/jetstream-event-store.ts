import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { RecordedEvent } from '../core/envelope.js';
import { assertEventFields } from '../core/envelope.js';
import { newId, nowIso } from '../core/ids.js';
import {
  IntegrityError,
  InvalidInputError,
  UnavailableError,
  VersionConflictError,
} from '../core/errors.js';
import type { AggregateRef } from '../core/subjects.js';
import { EVENTS_STREAM, eventSubject } from '../core/subjects.js';
import type {
  AggregateHead,
  AppendOptions,
  AppendResult,
  EventDraft,
  EventStore,
  EventSubscription,
  ReadAllOptions,
  StoredEventMessage,
} from './event-store.js';
import type { ArchivedHistory } from './archived-history.js';
import { HeadCache } from './head-cache.js';
import { JetStreamEventReader } from './jetstream-event-reader.js';
import type { Ack } from '../nats/fast-path/index.js';
import { AckPublisher, PublishRefusedError } from '../nats/fast-path/index.js';
import { DirectReader } from '../nats/fast-path/index.js';
import { ReplyMux } from '../nats/fast-path/index.js';
import { streamReplicas } from '../nats/stream-replicas.js';
import type { WriteRetry } from '../nats/fast-path/index.js';
import {
  retryPauseMs,
  unacknowledgedError,
  WRITE_RETRY_DEFAULTS,
} from '../nats/fast-path/index.js';
import { settleRepeat } from './repeated-write.js';
import { findRecorded } from './recorded-lookup.js';
import type { PreparedAppend, Sealed } from './sealed-append.js';
import { headersFor, isWrongLastSequence, notAcknowledged, sealEvents } from './sealed-append.js';

/** Options for {@link JetStreamEventStore}. */
export interface JetStreamEventStoreOptions {
  /** Largest encoded event accepted. */
  readonly maxEventBytes: number;
  /** Actor recorded when an append names none. */
  readonly defaultActor?: string;
  /**
   * How an append that gets no ack is retried (leader election) before it fails as having no
   * quorum; defaults in {@link WRITE_RETRY_DEFAULTS}.
   */
  readonly writeRetry?: Partial<Pick<WriteRetry, 'attemptMs' | 'deadlineMs'>>;
  /** Where appends' acks arrive; the connection's shared mux unless a test injects faults. */
  readonly replies?: ReplyMux;
}

/**
 * The event store on JetStream stream `CIM_EVENTS`. Every append carries
 * `Nats-Expected-Last-Subject-Sequence`, so the server, not this client, decides races. Events of
 * one aggregate are linked backwards by the `Cim-Prev-Position` header, so reading an aggregate is
 * a handful of O(1) direct gets rather than a scan of the stream.
 */
export class JetStreamEventStore implements EventStore {
  private readonly heads = new HeadCache();
  private readonly maxEventBytes: number;
  private readonly defaultActor: string;

  private readonly publisher: AckPublisher;
  private readonly retry: WriteRetry;
  private readonly direct: DirectReader;
  private readonly reader: JetStreamEventReader;
  private readonly nc: NatsConnection;
  private manager: Promise<JetStreamManager> | undefined;

  private constructor(
    nc: NatsConnection,
    js: JetStreamClient,
    options: JetStreamEventStoreOptions,
    replicas: number,
  ) {
    this.nc = nc;
    this.retry = {
      stream: EVENTS_STREAM,
      replicas,
      ...WRITE_RETRY_DEFAULTS,
      ...options.writeRetry,
    };
    this.publisher = new AckPublisher(nc, options.replies ?? ReplyMux.of(nc), this.retry);
    this.direct = new DirectReader(nc);
    this.reader = new JetStreamEventReader(js, this.direct);
    this.maxEventBytes = options.maxEventBytes;
    this.defaultActor = options.defaultActor ?? 'cim';
  }

  /**
   * Opens the store on a connection whose server has been provisioned (its replica count is
   * read once, for the sentence an append sees when the stream has no quorum).
   */
  static async open(
    nc: NatsConnection,
    options: JetStreamEventStoreOptions,
  ): Promise<JetStreamEventStore> {
    const replicas = await streamReplicas(nc, EVENTS_STREAM);
    return new JetStreamEventStore(nc, jetstream(nc, { timeout: 10_000 }), options, replicas);
  }

  append(
    ref: AggregateRef,
    drafts: readonly EventDraft[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    let command: PreparedAppend;
    try {
      command = this.prepare(ref, drafts, options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { subject, expected, filled } = command;
    // The common case, one event on an aggregate whose head this process knows (or a new one),
    // is one publish whose ack settles the result directly: no async frames between the ack and
    // the caller, which on a busy writer decides how well publishes batch into socket writes.
    const head = expected === 0 ? undefined : this.heads.get(subject);
    const known = expected === 0 || head !== undefined;
    if (
      filled.length !== 1 ||
      !known ||
      (expected !== 'any' && (head?.version ?? 0) !== expected)
    ) {
      return this.appendWithRetries(command);
    }
    let item: Sealed;
    try {
      item = sealEvents(command, head, this.maxEventBytes)[0]!;
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.publisher.publish(subject, item.body, headersFor(item, head?.position ?? 0)).then(
      (ack) =>
        ack.duplicate
          ? this.recordDuplicate(item, ack.seq).then((event) => this.remember(subject, [event], 1))
          : this.remember(subject, [{ event: item.envelope, cid: item.cid, position: ack.seq }], 0),
      async (err: unknown) => {
        if (!isWrongLastSequence(err)) throw notAcknowledged(item, err);
        this.heads.delete(subject);
        const own = await this.ownWrite(subject, item, head?.position ?? 0, err);
        if (own) return this.remember(subject, [own], 0);
        return this.appendWithRetries(command);
      },
    );
  }

  /** Validates an append and fills in what the caller left out; throws on bad input. */
  private prepare(
    ref: AggregateRef,
    drafts: readonly EventDraft[],
    options: AppendOptions,
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
      actor: options.actor ?? this.defaultActor,
      // A command that starts a new causal chain is correlated by its first event.
      correlationId: options.correlationId ?? filled[0]!.id,
      causationId: options.causationId ?? null,
    };
  }

  /**
   * The general append: reads the head when it is not known, writes several events one by one
   * (each checked by the server), and tells a retry of an already recorded command from a
   * conflict.
   */
  private async appendWithRetries(command: PreparedAppend): Promise<AppendResult> {
    const { subject, expected, explicitIds, filled } = command;
    const started = Date.now();
    let head: AggregateHead | undefined;
    let fromCache: boolean;
    if (expected === 0) {
      head = undefined;
      fromCache = true;
    } else {
      head = this.heads.get(subject);
      fromCache = head !== undefined;
      if (!fromCache) head = await this.headWithin(subject, started);
    }
    // Seal everything before the first write, so bad input writes nothing.
    let sealed = sealEvents(command, head, this.maxEventBytes);

    for (let attempt = 0; ; attempt++) {
      const version = head?.version ?? 0;
      if (expected !== 'any' && version !== expected) {
        if (fromCache) {
          head = await this.headWithin(subject, started);
          fromCache = false;
          sealed = sealEvents(command, head, this.maxEventBytes);
          continue;
        }
        if (explicitIds && head) {
          const again = await findRecorded(this.reader, subject, head, expected, filled);
          if (again) return { events: again, version: head.version, duplicate: true };
        }
        throw new VersionConflictError(subject, expected, version);
      }
      const outcome = await this.publishAll(subject, sealed, head);
      if (outcome.kind === 'recorded') return outcome.result;
      // The server refused: our view of the head was stale, or another writer won the race.
      this.heads.delete(subject);
      const sentAfter = head?.position ?? 0;
      head = await this.headWithin(subject, started);
      fromCache = false;
      if (head && head.eventId === filled[filled.length - 1]!.id) {
        const again = await findRecorded(
          this.reader,
          subject,
          head,
          head.version - filled.length,
          filled,
        );
        if (again) return { events: again, version: head.version, duplicate: true };
      }
      if (outcome.written === 0 && (head?.position ?? 0) === sentAfter) {
        // Refused though nothing moved: a write to this aggregate is held by a leader that cannot
        // commit it yet (an election, no quorum). Wait for it, up to the deadline.
        if (Date.now() - started >= this.retry.deadlineMs)
          throw unacknowledgedError(this.retry, Date.now() - started, undefined);
        await sleep(retryPauseMs(attempt));
        continue;
      }
      if (outcome.written > 0 || (expected === 'any' && attempt >= 5)) {
        throw new VersionConflictError(subject, version + outcome.written, head?.version ?? 0);
      }
      sealed = sealEvents(command, head, this.maxEventBytes);
    }
  }

  private async publishAll(
    subject: string,
    sealed: readonly Sealed[],
    head: AggregateHead | undefined,
  ): Promise<{ kind: 'recorded'; result: AppendResult } | { kind: 'refused'; written: number }> {
    let position = head?.position ?? 0;
    const events: RecordedEvent[] = [];
    let duplicates = 0;
    for (const [index, item] of sealed.entries()) {
      let ack: Ack;
      try {
        ack = await this.publisher.publish(subject, item.body, headersFor(item, position));
      } catch (err) {
        if (!isWrongLastSequence(err)) throw notAcknowledged(item, err);
        const own = await this.ownWrite(subject, item, position, err);
        if (!own) return { kind: 'refused', written: index };
        events.push(own);
        position = own.position;
        continue;
      }
      if (ack.duplicate) {
        duplicates++;
        events.push(await this.recordDuplicate(item, ack.seq));
      } else {
        events.push({ event: item.envelope, cid: item.cid, position: ack.seq });
      }
      position = ack.seq;
    }
    return { kind: 'recorded', result: this.remember(subject, events, duplicates) };
  }

  /**
   * The aggregate's head, read again while a read fails as unavailable (a cluster without a
   * stream leader answers some reads with errors) until the write deadline from `started`.
   */
  private async headWithin(subject: string, started: number): Promise<AggregateHead | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.reader.head(subject);
      } catch (err) {
        if (!(err instanceof UnavailableError)) throw err;
        if (Date.now() - started >= this.retry.deadlineMs)
          throw unacknowledgedError(this.retry, Date.now() - started, err);
        await sleep(retryPauseMs(attempt));
      }
    }
  }

  /**
   * After a refusal that answered a repeated publish (the first got no ack, as when a leader
   * dies), whether the event is recorded: see {@link settleRepeat}. Undefined for any other
   * refusal, and for a real conflict.
   */
  private async ownWrite(
    subject: string,
    item: Sealed,
    after: number,
    err: unknown,
  ): Promise<RecordedEvent | undefined> {
    if (!(err instanceof PublishRefusedError) || !err.retried) return undefined;
    return settleRepeat(
      {
        after,
        retry: this.retry,
        head: () => this.reader.head(subject),
        findOwn: async (head) =>
          (
            await findRecorded(this.reader, subject, head, item.envelope.version - 1, [
              item.envelope,
            ])
          )?.[0],
        publishAgain: async () => {
          const ack = await this.publisher.publish(subject, item.body, headersFor(item, after));
          return ack.duplicate
            ? this.recordDuplicate(item, ack.seq)
            : { event: item.envelope, cid: item.cid, position: ack.seq };
        },
      },
      err,
    );
  }

  /** The event the server already held under this event's id (a retried command). */
  private async recordDuplicate(item: Sealed, seq: number): Promise<RecordedEvent> {
    const stored = await this.direct.get(EVENTS_STREAM, { seq });
    if (!stored) {
      throw new IntegrityError(
        `Event ${item.envelope.id} was acknowledged as a duplicate but is missing.`,
      );
    }
    return this.reader.toRecorded(stored);
  }

  /** Notes the aggregate's new head and builds the result of a recorded append. */
  private remember(subject: string, events: RecordedEvent[], duplicates: number): AppendResult {
    const last = events[events.length - 1]!;
    this.heads.set(subject, {
      version: last.event.version,
      position: last.position,
      cid: last.cid,
      eventId: last.event.id,
    });
    return { events, version: last.event.version, duplicate: duplicates === events.length };
  }

  head(ref: AggregateRef): Promise<AggregateHead | undefined> {
    return this.reader.head(eventSubject(ref));
  }

  last(ref: AggregateRef): Promise<RecordedEvent | undefined> {
    return this.reader.last(eventSubject(ref));
  }

  readAggregate(ref: AggregateRef, fromVersion = 1): Promise<RecordedEvent[]> {
    return this.reader.readAggregate(eventSubject(ref), fromVersion);
  }

  readAll(options: ReadAllOptions & { readonly limit: number }): Promise<RecordedEvent[]> {
    return this.reader.readAll(options);
  }

  async lastPosition(): Promise<number> {
    this.manager ??= jetstreamManager(this.nc);
    const jsm = await this.manager;
    return (await jsm.streams.info(EVENTS_STREAM)).state.last_seq;
  }

  subscribe(options: ReadAllOptions = {}): Promise<EventSubscription> {
    return this.reader.subscribe(options);
  }

  scan(options: ReadAllOptions = {}): AsyncIterable<StoredEventMessage> {
    return this.reader.scan(options);
  }

  useArchive(history: ArchivedHistory): void {
    this.reader.useArchive(history);
  }
}
