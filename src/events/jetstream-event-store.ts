import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { RecordedEvent } from '../core/envelope.js';
import { UnavailableError } from '../core/errors.js';
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
import { driveAppend } from './append-driver.js';
import { appendProtocol } from './append-protocol.js';
import type { AppendOutcome, AppendSettings, ServerStep } from './append-steps.js';
import { HeadCache } from './head-cache.js';
import { JetStreamEventReader } from './jetstream-event-reader.js';
import { JetStreamApiError } from '../nats/api-error.js';
import type { Ack, WriteRetry } from '../nats/fast-path/index.js';
import {
  DirectReader,
  publishReplyOf,
  ReplyMux,
  WRITE_RETRY_DEFAULTS,
} from '../nats/fast-path/index.js';
import { streamReplicas } from '../nats/stream-replicas.js';
import type { PreparedAppend } from './sealed-append.js';
import { headersFor, prepareAppend } from './sealed-append.js';

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
 * `Nats-Expected-Last-Subject-Sequence`, so the server, not this client, decides races; the
 * append protocol ({@link appendProtocol}) decides each step, this class performs them. Events of
 * one aggregate are linked backwards by the `Cim-Prev-Position` header, so reading an aggregate is
 * a handful of O(1) direct gets rather than a scan of the stream.
 */
export class JetStreamEventStore implements EventStore {
  private readonly heads = new HeadCache();
  private readonly defaultActor: string;

  private readonly replies: ReplyMux;
  private readonly retry: WriteRetry;
  private readonly settings: AppendSettings;
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
    this.replies = options.replies ?? ReplyMux.of(nc);
    this.settings = { maxEventBytes: options.maxEventBytes, retry: this.retry, now: Date.now };
    this.direct = new DirectReader(nc, { replicated: replicas > 1 });
    this.reader = new JetStreamEventReader(js, this.direct);
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
      command = prepareAppend(ref, drafts, options, this.defaultActor);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { subject } = command;
    const protocol = appendProtocol(command, this.heads.get(subject), this.settings);
    return driveAppend(protocol, subject, this.heads, (step) => this.perform(subject, step));
  }

  /** The adapter of the append protocol: one step, against the server. */
  private perform(subject: string, step: ServerStep): Promise<AppendOutcome> {
    switch (step.kind) {
      case 'publish':
        return this.replies
          .request(subject, step.item.body, headersFor(step.item, step.after), this.retry.attemptMs)
          .then(
            (msg) => {
              let ack: Ack;
              try {
                ack = publishReplyOf(msg);
              } catch (err) {
                return this.failedPublish(err);
              }
              return { kind: 'acked', seq: ack.seq, duplicate: ack.duplicate };
            },
            (err: unknown) => this.failedPublish(err),
          );
      case 'readHead':
        return this.reader.head(subject).then(
          (head) => ({ kind: 'head', head }),
          (err: unknown) => {
            if (!(err instanceof UnavailableError)) throw err;
            return { kind: 'headUnavailable', error: err };
          },
        );
      case 'readBack':
        return this.reader
          .walkBack(subject, step.from, step.fromVersion)
          .then((events) => ({ kind: 'events', events }));
      case 'readStored':
        return this.direct.get(EVENTS_STREAM, { seq: step.position }).then((stored) => ({
          kind: 'stored',
          event: stored ? this.reader.toRecorded(stored) : undefined,
        }));
      case 'pause':
        return sleep(step.ms).then(() => ({ kind: 'paused' }));
    }
  }

  /** A publish that brought no ack, as an outcome of the protocol. */
  private failedPublish(err: unknown): AppendOutcome {
    if (err instanceof JetStreamApiError) return { kind: 'refused', code: err.code, error: err };
    if (err instanceof UnavailableError)
      return { kind: 'unanswered', error: err, closed: this.nc.isClosed() };
    return { kind: 'failed', error: err as Error };
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
