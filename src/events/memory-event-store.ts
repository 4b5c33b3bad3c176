import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '../core/envelope.js';
import type { AggregateRef } from '../core/subjects.js';
import { EVENTS_STREAM, eventSubject } from '../core/subjects.js';
import { WRITE_RETRY_DEFAULTS } from '../nats/fast-path/index.js';
import type { ArchivedHistory } from './archived-history.js';
import { driveAppend } from './append-driver.js';
import { appendProtocol } from './append-protocol.js';
import type { AppendOutcome, AppendSettings, ServerStep } from './append-steps.js';
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
import { HeadCache } from './head-cache.js';
import { MemoryEventLog } from './memory-event-log.js';
import { prepareAppend } from './sealed-append.js';

/** Options for {@link MemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /** Largest encoded event accepted. */
  readonly maxEventBytes: number;
  /** Actor recorded when an append names none. */
  readonly defaultActor?: string;
}

/**
 * An event store in memory, for tests of code that needs an event store and nothing else of a
 * node. Appends run the same append protocol as {@link JetStreamEventStore} (sealing, CIDs,
 * expected versions, idempotent retries by event id, the head cache) against a
 * {@link MemoryEventLog}; stores over one log see each other's events, as processes sharing a
 * server do. It passes the same contract suite (event-store.contract.ts).
 */
export class MemoryEventStore implements EventStore {
  private readonly heads = new HeadCache();
  private readonly settings: AppendSettings;
  private readonly defaultActor: string;

  constructor(
    /** Where the events are held; share it to have several stores over one stream. */
    readonly log: MemoryEventLog = new MemoryEventLog(),
    options: MemoryEventStoreOptions = { maxEventBytes: 1_000_000 },
  ) {
    this.settings = {
      maxEventBytes: options.maxEventBytes,
      retry: { stream: EVENTS_STREAM, replicas: 1, ...WRITE_RETRY_DEFAULTS },
      now: Date.now,
    };
    this.defaultActor = options.defaultActor ?? 'cim';
  }

  append(
    ref: AggregateRef,
    drafts: readonly EventDraft[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    let subject: string;
    let protocol: ReturnType<typeof appendProtocol>;
    try {
      const command = prepareAppend(ref, drafts, options, this.defaultActor);
      subject = command.subject;
      protocol = appendProtocol(command, this.heads.get(subject), this.settings);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return driveAppend(protocol, subject, this.heads, (step) => this.perform(subject, step));
  }

  /** The adapter of the append protocol: every step but a pause is answered at once. */
  private perform(subject: string, step: ServerStep): AppendOutcome | Promise<AppendOutcome> {
    switch (step.kind) {
      case 'publish':
        return this.log.publish(subject, step.item, step.after);
      case 'readHead':
        return { kind: 'head', head: this.log.head(subject) };
      case 'readBack':
        return { kind: 'events', events: this.log.aggregate(subject, step.fromVersion, step.from) };
      case 'readStored':
        return { kind: 'stored', event: this.log.at(step.position) };
      case 'pause':
        return sleep(step.ms).then(() => ({ kind: 'paused' }));
    }
  }

  head(ref: AggregateRef): Promise<AggregateHead | undefined> {
    return Promise.resolve(this.log.head(eventSubject(ref)));
  }

  last(ref: AggregateRef): Promise<RecordedEvent | undefined> {
    return Promise.resolve(this.log.last(eventSubject(ref)));
  }

  readAggregate(ref: AggregateRef, fromVersion = 1): Promise<RecordedEvent[]> {
    return Promise.resolve(this.log.aggregate(eventSubject(ref), fromVersion));
  }

  readAll(options: ReadAllOptions & { readonly limit: number }): Promise<RecordedEvent[]> {
    return Promise.resolve(this.log.readAll(options));
  }

  lastPosition(): Promise<number> {
    return Promise.resolve(this.log.lastPosition());
  }

  subscribe(options: ReadAllOptions = {}): Promise<EventSubscription> {
    return Promise.resolve(this.log.subscribe(options));
  }

  async *scan(options: ReadAllOptions = {}): AsyncIterable<StoredEventMessage> {
    yield* this.log.scan(options);
  }

  /** The log never drops an event, so no position is ever read from an archive. */
  useArchive(_history: ArchivedHistory): void {}
}
