import type { EventStore } from '../events/event-store.js';
import { toCimError } from '../core/errors.js';
import {
  ConnectorCheckpointed,
  ConnectorItemFailed,
  SourceRemoved,
  UnitSeenAgain,
} from '../core/catalogue/hub.js';
import type { ConnectorCounts, ConnectorDefinition } from '../core/catalogue/hub.js';
import { UnitIngested } from '../core/catalogue/units.js';
import type { ConnectorJson, ItemOutcome, ItemSink, SourceItem } from '../plugins/plugin-api.js';
import { documentId } from '../units/document-id.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import type { UnitService } from '../units/unit-service.js';
import { backoffDelay, pause, RateLimiter } from './backoff.js';
import { connectorRef } from './hub-events.js';
import type { ConnectorSources } from './connector-sources.js';

/** What the sink needs besides the stores; time and chance are injected for tests. */
export interface UnitSinkOptions {
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  readonly now?: () => number;
  /** What the hub knows of every connector's sources; without it `knownSources` is absent. */
  readonly sources?: ConnectorSources;
}

const ZERO: ConnectorCounts = { stored: 0, linked: 0, seenAgain: 0, failed: 0, removed: 0 };

/** The actor of everything a connector records. */
export const connectorActor = (name: string) => `connector:${name}`;

/**
 * The hub's {@link ItemSink}: each item is ingested as a unit through UnitService (content first,
 * deduplicated by CID), its outcome decided from the document's history, failures retried with
 * backoff and then kept as dead letters, and checkpoints recorded with the counts since the last.
 */
export class UnitSink implements ItemSink {
  private counts: ConnectorCounts = { ...ZERO };
  private readonly limiter: RateLimiter;
  private readonly actor: string;

  constructor(
    private readonly events: EventStore,
    private readonly units: UnitService,
    private readonly definition: ConnectorDefinition,
    private readonly options: UnitSinkOptions = {},
  ) {
    this.limiter = new RateLimiter(definition.ratePerSecond, options.now);
    this.actor = connectorActor(definition.name);
  }

  /**
   * The sources under `prefix` this connector's items have and has not recorded as gone, as the
   * hub's read model of documents holds them (it may trail the stream by a moment: a source put
   * in this poll is known from the poll itself).
   */
  async *knownSources(prefix: string): AsyncIterable<string> {
    const sources = this.options.sources;
    if (sources === undefined) return;
    for (const source of await sources.of(this.definition.name, prefix)) yield source;
  }

  async put(item: SourceItem): Promise<ItemOutcome> {
    await pause(this.limiter.reserve(), this.options.signal);
    const { retry } = this.definition;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.ingest(item);
        this.count(outcome === 'seen-again' ? 'seenAgain' : outcome);
        return outcome;
      } catch (err) {
        if (attempt >= retry.attempts || this.options.signal?.aborted) {
          await this.deadLetter(item.source, toCimError(err).message, attempt);
          return 'failed';
        }
        await pause(backoffDelay(retry, attempt, this.options.random), this.options.signal);
      }
    }
  }

  private async ingest(item: SourceItem): Promise<ItemOutcome> {
    const ref = documentRef(item.source);
    const before = await this.events.last(ref);
    const latest =
      before === undefined || UnitIngested.is(before)
        ? before
        : (await this.events.readAggregate(ref)).findLast((e) => UnitIngested.is(e));
    const previous = latest === undefined ? undefined : UnitIngested.parse(latest);
    const result = await this.units.ingest(
      {
        name: item.name,
        source: item.source,
        tags: [...this.definition.tags, ...(item.tags ?? [])],
        context: this.definition.context,
        actor: this.actor,
      },
      await item.open(),
    );
    if (previous !== undefined && result.unitCid === previous.unitCid) {
      await this.events.append(
        ref,
        [
          UnitSeenAgain.draft({
            unitCid: result.unitCid,
            documentId: result.documentId,
            contentCid: result.contentCid,
            connector: this.definition.name,
          }),
        ],
        { expectedVersion: 'any', actor: this.actor },
      );
      return 'seen-again';
    }
    return result.status === 'stored' ? 'stored' : 'linked';
  }

  async fail(source: string, reason: string): Promise<void> {
    await this.deadLetter(source, reason, 1);
  }

  private async deadLetter(source: string, reason: string, attempts: number): Promise<void> {
    await this.events.append(
      connectorRef(this.definition.name),
      [ConnectorItemFailed.draft({ source, reason, attempts })],
      { expectedVersion: 'any', actor: this.actor },
    );
    this.count('failed');
  }

  async removed(source: string): Promise<void> {
    const ref = documentRef(source);
    await this.events.append(
      ref,
      [
        SourceRemoved.draft({
          documentId: ref.aggregateId,
          source,
          connector: this.definition.name,
        }),
      ],
      { expectedVersion: 'any', actor: this.actor },
    );
    this.count('removed');
  }

  async checkpoint(cursor: ConnectorJson): Promise<void> {
    await this.record(cursor, false);
  }

  /**
   * Records the checkpoint that ends a poll (the cursor it resolved with), which the read model
   * takes as progress: the runner calls it, not the connector.
   */
  async completed(cursor: ConnectorJson): Promise<void> {
    await this.record(cursor, true);
  }

  private async record(cursor: ConnectorJson, pollCompleted: boolean): Promise<void> {
    const counts = this.counts;
    await this.events.append(
      connectorRef(this.definition.name),
      [ConnectorCheckpointed.draft({ cursor, counts, pollCompleted })],
      { expectedVersion: 'any', actor: this.actor },
    );
    this.counts = { ...ZERO };
  }

  private count(key: keyof ConnectorCounts): void {
    this.counts = { ...this.counts, [key]: this.counts[key] + 1 };
  }
}

function documentRef(source: string) {
  return { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE, aggregateId: documentId(source) };
}
