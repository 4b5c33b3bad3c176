import type { EventStore } from '../events/event-store.js';
import type { ContentStore } from '../storage/content-store.js';
import { InvalidInputError, VersionConflictError } from '../core/errors.js';
import { isContentCid } from '../core/cid.js';
import { assertToken } from '../core/subjects.js';
import type { AggregateRef } from '../core/subjects.js';
import type { RecordedEvent } from '../core/envelope.js';
import { documentId } from './document-id.js';
import { detectMediaType } from './media-type.js';
import { spool } from './spool.js';
import type { ByteSource } from '../storage/content-store.js';
import { peekContent } from '../storage/read-content.js';
import type { ContentHandOver } from '../storage/recent-content.js';
import type { Unit } from './unit.js';
import { normaliseTags, unitCid } from './unit.js';
import { UnitIngested } from '../core/catalogue/units.js';
import type { UnitIngestedData } from '../core/catalogue/units.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from './unit-events.js';

/** What a caller says about the content it ingests. */
export interface IngestMetadata {
  readonly name: string;
  /** Where it came from (e.g. `file:///abs/path`); also the logical key of its document. */
  readonly source: string;
  readonly tags: readonly string[];
  readonly context: string | null;
  /** The content CID when the caller computed it: the body is then streamed straight to storage. */
  readonly contentCid?: string;
  readonly size?: number;
  /** For derived units: the units it was made from, and the processor that made it. */
  readonly derivedFrom?: readonly string[];
  readonly producedBy?: Unit['producedBy'];
  /** Who ingests it, recorded as the event's actor (the signed-in caller of an upload). */
  readonly actor?: string;
  /** Ties the `UnitIngested` event to the work that caused it (a pipeline run). */
  readonly correlationId?: string;
  readonly causationId?: string;
}

/** The outcome of ingesting one piece of content. */
export interface IngestResult {
  readonly unitCid: string;
  readonly contentCid: string;
  readonly documentId: string;
  readonly version: number;
  /** Stream position of the document's event that holds this unit. */
  readonly position: number;
  readonly size: number;
  readonly mediaType: string;
  /** `stored`: new content; `deduplicated`: the bytes were already held. */
  readonly status: 'stored' | 'deduplicated';
}

/** Where ingest keeps temporary files and how large content may be. */
export interface UnitServiceOptions {
  readonly spoolDir: string;
  readonly maxContentBytes: number;
  /** Where small content just stored is left for the catalog to index without reading it back. */
  readonly recent?: ContentHandOver;
}

const HEAD_BYTES = 4100;

/**
 * Ingests content as units: content first (deduplicated, verified), then a `UnitIngested` event
 * on the document's aggregate, checked by the server's expected version. A document whose latest
 * unit already has the same content and metadata gets no new version.
 */
export class UnitService {
  constructor(
    private readonly events: EventStore,
    private readonly content: ContentStore,
    private readonly options: UnitServiceOptions,
  ) {}

  /** Ingests a body (possibly empty when `meta.contentCid` names content the store already holds). */
  async ingest(meta: IngestMetadata, body: AsyncIterable<Uint8Array>): Promise<IngestResult> {
    if (meta.name.length === 0 || meta.name.length > 1024)
      throw new InvalidInputError('A unit needs a name of 1 to 1024 characters.');
    if (meta.context !== null) assertToken('context', meta.context);
    const stored =
      meta.contentCid !== undefined
        ? await this.storeDeclared(meta, body)
        : await this.storeSpooled(body);
    const mediaType = await detectMediaType(stored.head, meta.name);
    return this.record(meta, stored.cid, stored.size, mediaType, stored.isNew);
  }

  private async storeSpooled(body: AsyncIterable<Uint8Array>) {
    const spooled = await spool(body, this.options.spoolDir, this.options.maxContentBytes);
    try {
      const { stored } = await this.content.put(
        spooled.cid,
        spooled.size,
        this.keepRecent(spooled.cid, spooled.size, spooled.source),
      );
      return { cid: spooled.cid, size: spooled.size, head: spooled.head, isNew: stored };
    } finally {
      spooled.discard();
    }
  }

  private async storeDeclared(meta: IngestMetadata, body: AsyncIterable<Uint8Array>) {
    const cid = meta.contentCid!;
    const size = meta.size;
    if (!isContentCid(cid))
      throw new InvalidInputError(
        `${JSON.stringify(cid)} is not a content CID (CIDv1, raw, sha2-256).`,
      );
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw new InvalidInputError('A declared content CID needs its size in bytes.');
    }
    if (size > this.options.maxContentBytes)
      throw new InvalidInputError(
        `The content is ${size} bytes, over the limit of ${this.options.maxContentBytes}.`,
      );
    let head = Buffer.alloc(0);
    const captured = async function* () {
      for await (const chunk of body) {
        if (head.length < HEAD_BYTES)
          head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        yield chunk;
      }
    };
    const { stored } = await this.content.put(cid, size, this.keepRecent(cid, size, captured));
    if (!stored) {
      for await (const _chunk of body) {
        // Drain what the client sent for content we already hold.
      }
      // Small content was read whole before the store found it held; only content refused
      // before it was read needs its first bytes from the store.
      if (head.length < Math.min(HEAD_BYTES, size)) {
        head = Buffer.from((await peekContent(this.content, cid, HEAD_BYTES)) ?? new Uint8Array(0));
      }
    }
    return { cid, size, head, isNew: stored };
  }

  /** Passes `source` through, keeping a copy of small content for {@link RecentContent}. */
  private keepRecent(cid: string, size: number, source: ByteSource): ByteSource {
    const recent = this.options.recent;
    if (recent === undefined || size > recent.maxItemBytes) return source;
    return async function* () {
      const chunks: Uint8Array[] = [];
      for await (const chunk of source()) {
        chunks.push(chunk);
        yield chunk;
      }
      // Reached only when the store took every byte; it checks them against the CID itself.
      recent.remember(cid, Buffer.concat(chunks));
    };
  }

  /**
   * The document's latest `UnitIngested`: usually its last event, but the hub records sightings
   * and removed sources on the document too (`UnitSeenAgain`, `SourceRemoved`).
   */
  private async latestUnit(
    ref: AggregateRef,
    last: RecordedEvent,
  ): Promise<RecordedEvent | undefined> {
    if (UnitIngested.is(last)) return last;
    const all = await this.events.readAggregate(ref);
    return all.findLast((event) => UnitIngested.is(event));
  }

  private async record(
    meta: IngestMetadata,
    contentCid: string,
    size: number,
    mediaType: string,
    isNew: boolean,
  ): Promise<IngestResult> {
    const docId = documentId(meta.source);
    const ref = { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE, aggregateId: docId };
    const tags = normaliseTags(meta.tags);
    const status = isNew ? 'stored' : 'deduplicated';
    for (let attempt = 0; ; attempt++) {
      // New bytes usually mean a new document: try it as version 1 without reading first, and
      // read the document only if the server says it already exists.
      const last = isNew && attempt === 0 ? undefined : await this.events.last(ref);
      const latest = last === undefined ? undefined : await this.latestUnit(ref, last);
      const previous = latest ? UnitIngested.parse(latest) : undefined;
      if (
        previous &&
        sameUnit(previous.unit, {
          contentCid,
          mediaType,
          name: meta.name,
          tags,
          context: meta.context,
          derivedFrom: meta.derivedFrom ?? [],
          producedBy: meta.producedBy ?? null,
        })
      ) {
        return {
          unitCid: previous.unitCid,
          contentCid,
          documentId: docId,
          version: latest!.event.version,
          position: latest!.position,
          size,
          mediaType,
          status,
        };
      }
      const unit: Unit = {
        content: contentCid,
        mediaType,
        size,
        name: meta.name,
        source: meta.source,
        createdAt: new Date().toISOString(),
        tags,
        context: meta.context,
        derivedFrom: [...(meta.derivedFrom ?? [])],
        producedBy: meta.producedBy ?? null,
        previous: previous?.unitCid ?? null,
      };
      const cid = unitCid(unit);
      const data: UnitIngestedData = {
        unitCid: cid,
        documentId: docId,
        unit,
        contentStored: isNew,
      };
      try {
        const result = await this.events.append(ref, [UnitIngested.draft(data)], {
          expectedVersion: last?.event.version ?? 0,
          ...(meta.actor !== undefined ? { actor: meta.actor } : {}),
          ...(meta.correlationId !== undefined ? { correlationId: meta.correlationId } : {}),
          ...(meta.causationId !== undefined ? { causationId: meta.causationId } : {}),
        });
        return {
          unitCid: cid,
          contentCid,
          documentId: docId,
          version: result.version,
          position: result.events[0]!.position,
          size,
          mediaType,
          status,
        };
      } catch (err) {
        // Another ingest of the same document won the race: build on its version instead.
        if (!(err instanceof VersionConflictError) || attempt >= 4) throw err;
      }
    }
  }
}

function sameUnit(
  unit: Unit,
  next: {
    contentCid: string;
    mediaType: string;
    name: string;
    tags: readonly string[];
    context: string | null;
    derivedFrom: readonly string[];
    producedBy: Unit['producedBy'];
  },
): boolean {
  return (
    unit.content === next.contentCid &&
    unit.mediaType === next.mediaType &&
    unit.name === next.name &&
    unit.context === next.context &&
    unit.tags.length === next.tags.length &&
    unit.tags.every((t, i) => t === next.tags[i]) &&
    unit.derivedFrom.length === next.derivedFrom.length &&
    unit.derivedFrom.every((c, i) => c === next.derivedFrom[i]) &&
    unit.producedBy?.processor === next.producedBy?.processor &&
    unit.producedBy?.parameters === next.producedBy?.parameters
  );
}
