import type { Logger } from 'pino';
import type { RecordedEvent } from '../core/envelope.js';
import type { CheckpointStore, Projection } from '../events/projection.js';
import type { ContentStore } from '../storage/content-store.js';
import type { RecentContent } from '../storage/recent-content.js';
import { readContent } from '../storage/read-content.js';
import { assertUnitCid } from '../units/unit.js';
import { UnitAnnotated, UnitIngested } from '../core/catalogue/units.js';
import type { UnitAnnotatedData, UnitIngestedData } from '../core/catalogue/units.js';
import { UNITS_DOMAIN } from '../units/unit-events.js';
import type { CatalogWriter } from './catalog-writer.js';
import { extractText, isIndexableText, MAX_INDEXED_TEXT } from './text-extract.js';

/** Checkpoints kept in the catalog database itself, so the two can never disagree. */
export class SqliteCheckpointStore implements CheckpointStore {
  constructor(private readonly catalog: CatalogWriter) {}

  async load(projection: string): Promise<number> {
    const row = this.catalog.db
      .prepare('SELECT position FROM checkpoints WHERE projection = ?')
      .get(projection) as { position: number } | undefined;
    return row?.position ?? 0;
  }

  async save(projection: string, position: number): Promise<void> {
    this.catalog.db
      .prepare(
        'INSERT INTO checkpoints (projection, position) VALUES (?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
      )
      .run(projection, position);
  }
}

/**
 * What `prepare` found for an event: its data, parsed once, and the text to index (empty when
 * there is none or the unit is catalogued already).
 */
export type CatalogPrepared =
  | { readonly kind: 'ingested'; readonly data: UnitIngestedData; readonly text: string }
  | {
      readonly kind: 'annotated';
      readonly data: UnitAnnotatedData;
      /** Undefined when the text was not read: the unit keeps the text it has. */
      readonly text: string | undefined;
    }
  | { readonly kind: 'other' };

/**
 * Builds the catalog and search index from `UnitIngested` events: checks each unit record
 * against its CID, and indexes the text of text formats read (verified) from the content store.
 * An event whose data does not match the catalogue's schema throws MalformedEventError, which
 * the runner records as that event's failure.
 */
export class CatalogProjection implements Projection<CatalogPrepared> {
  readonly name = 'catalog';
  readonly filter = { domain: UNITS_DOMAIN };

  constructor(
    private readonly catalog: CatalogWriter,
    private readonly content: ContentStore,
    private readonly logger: Logger,
    private readonly recent?: RecentContent,
  ) {}

  /** Parses the event and reads and extracts its text ahead of time: the slow part, unordered. */
  async prepare(recorded: RecordedEvent): Promise<CatalogPrepared> {
    if (UnitAnnotated.is(recorded)) {
      const data = UnitAnnotated.parse(recorded);
      return { kind: 'annotated', data, text: await this.annotationText(data) };
    }
    if (!UnitIngested.is(recorded)) return { kind: 'other' };
    const data = UnitIngested.parse(recorded);
    const text = this.catalog.get(data.unitCid) ? '' : await this.text(data);
    return { kind: 'ingested', data, text };
  }

  /** Applies an event; without what `prepare` found (it failed), the event is parsed here. */
  handle(recorded: RecordedEvent, prepared: CatalogPrepared | undefined): void {
    const found = prepared ?? parsed(recorded);
    if (found.kind === 'annotated') {
      const { data } = found;
      this.catalog.annotate(data.unitCid, {
        tags: data.tags,
        text: data.textCid === null ? undefined : found.text,
        relations: data.relations,
      });
      return;
    }
    if (found.kind !== 'ingested') return;
    const { data } = found;
    assertUnitCid(data.unit, data.unitCid);
    if (this.catalog.get(data.unitCid)) return;
    this.catalog.addUnit(
      {
        ...data.unit,
        unitCid: data.unitCid,
        documentId: data.documentId,
        version: recorded.event.version,
        position: recorded.position,
        latest: true,
      },
      found.text,
    );
  }

  private async text(data: UnitIngestedData): Promise<string> {
    if (!isIndexableText(data.unit.mediaType) || data.unit.size > MAX_INDEXED_TEXT) return '';
    try {
      const fresh = this.recent?.take(data.unit.content);
      if (fresh !== undefined) return extractText(data.unit.mediaType, Buffer.from(fresh));
      const bytes = await readContent(this.content, data.unit.content);
      return bytes ? extractText(data.unit.mediaType, bytes) : '';
    } catch (err) {
      // The unit stays findable by name and metadata; the fault is logged, not hidden.
      this.logger.warn({ err, unitCid: data.unitCid }, 'content not indexed');
      return '';
    }
  }

  /** Text extracted by a pipeline for a unit, read (verified) from the content store. */
  private async annotationText(data: UnitAnnotatedData): Promise<string> {
    if (data.textCid === null) return '';
    const bytes = await readContent(this.content, data.textCid);
    return bytes ? bytes.toString('utf8').slice(0, MAX_INDEXED_TEXT) : '';
  }

  /** Applies a run of events in one transaction: SQLite and FTS5 pay per commit, not per row. */
  handleBatch(
    batch: readonly { event: RecordedEvent; prepared: CatalogPrepared | undefined }[],
  ): void {
    this.catalog.write(() => {
      for (const { event, prepared } of batch) this.handle(event, prepared);
    });
  }

  reset(): void {
    this.catalog.reset();
  }
}

/** An event's data parsed without reading anything: what `handle` needs when `prepare` failed. */
function parsed(recorded: RecordedEvent): CatalogPrepared {
  if (UnitAnnotated.is(recorded)) {
    return { kind: 'annotated', data: UnitAnnotated.parse(recorded), text: undefined };
  }
  if (UnitIngested.is(recorded)) {
    return { kind: 'ingested', data: UnitIngested.parse(recorded), text: '' };
  }
  return { kind: 'other' };
}
