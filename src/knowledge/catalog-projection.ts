import type { Logger } from 'pino';
import type { RecordedEvent } from '../core/envelope.js';
import type { CheckpointStore, Projection } from '../events/projection.js';
import type { ContentStore } from '../storage/content-store.js';
import type { RecentContent } from '../storage/recent-content.js';
import { readContent } from '../storage/read-content.js';
import { assertUnitCid } from '../units/unit.js';
import { UnitAnnotated, UnitIngested } from '../core/catalogue/units.js';
import type { UnitIngestedData } from '../core/catalogue/units.js';
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
 * Builds the catalog and search index from `UnitIngested` events: checks each unit record
 * against its CID, and indexes the text of text formats read (verified) from the content store.
 * An event whose data does not match the catalogue's schema throws MalformedEventError, which
 * the runner records as that event's failure.
 */
export class CatalogProjection implements Projection<string> {
  readonly name = 'catalog';
  readonly filter = { domain: UNITS_DOMAIN };

  constructor(
    private readonly catalog: CatalogWriter,
    private readonly content: ContentStore,
    private readonly logger: Logger,
    private readonly recent?: RecentContent,
  ) {}

  /** Reads and extracts the unit's text ahead of time: the slow part, and it needs no order. */
  async prepare(recorded: RecordedEvent): Promise<string> {
    if (UnitAnnotated.is(recorded)) return this.annotationText(recorded);
    if (!UnitIngested.is(recorded)) return '';
    const data = UnitIngested.parse(recorded);
    if (this.catalog.get(data.unitCid)) return '';
    return this.text(data);
  }

  handle(recorded: RecordedEvent, text: string | undefined): void {
    if (UnitAnnotated.is(recorded)) {
      const data = UnitAnnotated.parse(recorded);
      this.catalog.annotate(data.unitCid, {
        tags: data.tags,
        text: data.textCid === null ? undefined : text,
        relations: data.relations,
      });
      return;
    }
    if (!UnitIngested.is(recorded)) return;
    const data = UnitIngested.parse(recorded);
    assertUnitCid(data.unit, data.unitCid);
    if (this.catalog.get(data.unitCid)) return;
    const body = text ?? '';
    this.catalog.addUnit(
      {
        ...data.unit,
        unitCid: data.unitCid,
        documentId: data.documentId,
        version: recorded.event.version,
        position: recorded.position,
        latest: true,
      },
      body,
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
  private async annotationText(recorded: RecordedEvent): Promise<string> {
    const data = UnitAnnotated.parse(recorded);
    if (data.textCid === null) return '';
    const bytes = await readContent(this.content, data.textCid);
    return bytes ? bytes.toString('utf8').slice(0, MAX_INDEXED_TEXT) : '';
  }

  /** Applies a run of events in one transaction: SQLite and FTS5 pay per commit, not per row. */
  handleBatch(batch: readonly { event: RecordedEvent; prepared: string | undefined }[]): void {
    this.catalog.write(() => {
      for (const { event, prepared } of batch) this.handle(event, prepared);
    });
  }

  reset(): void {
    this.catalog.reset();
  }
}
