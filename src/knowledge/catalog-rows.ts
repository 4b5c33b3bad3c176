import { InvalidInputError } from '../core/errors.js';
import type { CatalogUnit } from './catalog.js';
import type { Prepare, Row } from './catalog-schema.js';

/** Columns that may not be null, and the lists stored as JSON, of a unit row. */
const REQUIRED_TEXT = [
  'unitCid',
  'documentId',
  'content',
  'mediaType',
  'name',
  'source',
  'createdAt',
] as const;

/**
 * Refuses a unit the database would refuse halfway through its rows: a record can hash to its
 * CID and still lack a field, since the CID covers whatever the record holds.
 */
export function assertWritable(unit: CatalogUnit): void {
  const bad =
    REQUIRED_TEXT.find((field) => typeof unit[field] !== 'string') ??
    (!Number.isSafeInteger(unit.version) ? 'version' : undefined) ??
    (typeof unit.size !== 'number' ? 'size' : undefined) ??
    (!Number.isSafeInteger(unit.position) ? 'position' : undefined) ??
    (!Array.isArray(unit.tags) || !unit.tags.every((t) => typeof t === 'string')
      ? 'tags'
      : undefined) ??
    (!Array.isArray(unit.derivedFrom) || !unit.derivedFrom.every((c) => typeof c === 'string')
      ? 'derivedFrom'
      : undefined) ??
    (unit.context !== null && typeof unit.context !== 'string' ? 'context' : undefined) ??
    (unit.previous !== null && typeof unit.previous !== 'string' ? 'previous' : undefined);
  if (bad !== undefined) {
    throw new InvalidInputError(
      `The unit ${String(unit.unitCid)} has no valid ${bad}: its record cannot be catalogued.`,
    );
  }
}

/**
 * Writes a unit's rows (its version becomes the latest unless a newer one is there; tags, lineage
 * and search text); false when it was already there.
 */
export function insertRows(stmt: Prepare, unit: CatalogUnit, body: string): boolean {
  const result = stmt(
    `INSERT OR IGNORE INTO units (unit_cid, document_id, version, content_cid, media_type, size, name, source,
           created_at, context, tags, derived_from, produced_by, previous_cid, position, latest)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
  ).run(
    unit.unitCid,
    unit.documentId,
    unit.version,
    unit.content,
    unit.mediaType,
    unit.size,
    unit.name,
    unit.source,
    unit.createdAt,
    unit.context,
    JSON.stringify(unit.tags),
    JSON.stringify(unit.derivedFrom),
    unit.producedBy === null ? null : JSON.stringify(unit.producedBy),
    unit.previous,
    unit.position,
  );
  if (result.changes === 0) return false;
  const older = stmt(
    'SELECT id FROM units WHERE document_id = ? AND version < ? AND latest = 1',
  ).all(unit.documentId, unit.version) as { id: number }[];
  for (const { id } of older) {
    stmt('UPDATE units SET latest = 0 WHERE id = ?').run(id);
    stmt('DELETE FROM units_fts WHERE rowid = ?').run(id);
  }
  const newer = stmt('SELECT 1 FROM units WHERE document_id = ? AND version > ?').get(
    unit.documentId,
    unit.version,
  );
  if (newer) stmt('UPDATE units SET latest = 0 WHERE unit_cid = ?').run(unit.unitCid);
  for (const tag of unit.tags)
    stmt('INSERT OR IGNORE INTO unit_tags (tag, unit_cid) VALUES (?, ?)').run(tag, unit.unitCid);
  for (const parent of unit.derivedFrom) {
    stmt('INSERT OR IGNORE INTO lineage (child_cid, parent_cid) VALUES (?, ?)').run(
      unit.unitCid,
      parent,
    );
  }
  if (!newer) {
    const meta = [unit.mediaType, unit.context ?? '', ...unit.tags, unit.source].join(' ');
    stmt('INSERT INTO units_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)').run(
      result.lastInsertRowid,
      unit.name,
      meta,
      body,
    );
  }
  return true;
}

/** What a pipeline found for a unit (see CatalogWriter.annotate). */
export interface Annotation {
  readonly tags: readonly string[];
  readonly text: string | undefined;
  readonly relations: readonly { type: string; target: string }[];
}

/** Joins an annotation to a unit's rows; false when the unit is not catalogued. */
export function annotateRows(stmt: Prepare, unitCid: string, annotation: Annotation): boolean {
  const row = stmt('SELECT * FROM units WHERE unit_cid = ?').get(unitCid) as
    (Row & { id: number }) | undefined;
  if (!row) return false;
  const before = JSON.parse(row.tags) as string[];
  const tags = [...new Set([...before, ...annotation.tags])].sort();
  // Only new tags or new text change what search sees; re-indexing costs more than the rest.
  const retag = tags.length !== before.length;
  if (retag) stmt('UPDATE units SET tags = ? WHERE id = ?').run(JSON.stringify(tags), row.id);
  for (const tag of annotation.tags)
    stmt('INSERT OR IGNORE INTO unit_tags (tag, unit_cid) VALUES (?, ?)').run(tag, unitCid);
  for (const r of annotation.relations)
    stmt('INSERT OR IGNORE INTO relations (unit_cid, type, target) VALUES (?, ?, ?)').run(
      unitCid,
      r.type,
      r.target,
    );
  if (row.latest === 1 && (retag || annotation.text !== undefined)) {
    const indexed = stmt('SELECT body FROM units_fts WHERE rowid = ?').get(row.id) as
      { body: string } | undefined;
    const meta = [row.media_type, row.context ?? '', ...tags, row.source].join(' ');
    stmt('DELETE FROM units_fts WHERE rowid = ?').run(row.id);
    stmt('INSERT INTO units_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)').run(
      row.id,
      row.name,
      meta,
      annotation.text ?? indexed?.body ?? '',
    );
  }
  return true;
}
