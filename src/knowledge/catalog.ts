import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Unit } from '../units/unit.js';
import { InvalidInputError } from '../core/errors.js';

/** A unit as the catalog lists it. */
export interface CatalogUnit extends Unit {
  readonly unitCid: string;
  readonly documentId: string;
  readonly version: number;
  readonly position: number;
  readonly latest: boolean;
}

/** Filters shared by listing and search. */
export interface UnitFilter {
  /** A media type or a glob such as `text/*`. */
  readonly mediaType?: string;
  readonly tag?: string;
  readonly context?: string;
  /** ISO dates bounding `createdAt` (from inclusive, to exclusive). */
  readonly from?: string;
  readonly to?: string;
}

/** One search hit. */
export interface SearchHit {
  readonly unit: CatalogUnit;
  /** The matching passage, matches in `[brackets]` (for terminals). */
  readonly snippet: string;
  /** The same passage as pieces, `match` true for matched terms (for highlighting safely). */
  readonly highlights: readonly { readonly text: string; readonly match: boolean }[];
  readonly score: number;
}

/** Match delimiters FTS5 puts in snippets: control characters, which text hardly ever holds (if it does, a piece is at worst mis-highlighted). */
const MATCH_START = '\u0002';
const MATCH_END = '\u0003';

/** Splits a delimited snippet into plain and matched pieces. */
export function highlightsOf(marked: string): { text: string; match: boolean }[] {
  const pieces: { text: string; match: boolean }[] = [];
  for (const part of marked.split(MATCH_START)) {
    const end = part.indexOf(MATCH_END);
    if (end === -1) {
      if (part !== '') pieces.push({ text: part, match: false });
      continue;
    }
    if (end > 0) pieces.push({ text: part.slice(0, end), match: true });
    const rest = part.slice(end + 1);
    if (rest !== '') pieces.push({ text: rest, match: false });
  }
  return pieces;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS units (
  id INTEGER PRIMARY KEY, unit_cid TEXT NOT NULL UNIQUE, document_id TEXT NOT NULL, version INTEGER NOT NULL,
  content_cid TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL, name TEXT NOT NULL,
  source TEXT NOT NULL, created_at TEXT NOT NULL, context TEXT, tags TEXT NOT NULL,
  derived_from TEXT NOT NULL, produced_by TEXT, previous_cid TEXT, position INTEGER NOT NULL,
  latest INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS units_latest_position ON units (latest, position);
CREATE INDEX IF NOT EXISTS units_document ON units (document_id, version);
CREATE INDEX IF NOT EXISTS units_content ON units (content_cid);
CREATE TABLE IF NOT EXISTS unit_tags (tag TEXT NOT NULL, unit_cid TEXT NOT NULL, PRIMARY KEY (tag, unit_cid));
CREATE TABLE IF NOT EXISTS lineage (child_cid TEXT NOT NULL, parent_cid TEXT NOT NULL, PRIMARY KEY (child_cid, parent_cid));
CREATE INDEX IF NOT EXISTS lineage_parent ON lineage (parent_cid);
CREATE TABLE IF NOT EXISTS relations (unit_cid TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (unit_cid, type, target));
CREATE INDEX IF NOT EXISTS relations_target ON relations (target);
CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5 (name, meta, body, tokenize = 'porter unicode61');
`;

/**
 * Bumped when the schema changes: a catalog of another version is dropped and rebuilt from the
 * event stream (its checkpoint goes with it). 2: search rows share the rowid of their unit, so
 * replacing a version is an indexed delete rather than a scan of the whole index (an explicit
 * INTEGER PRIMARY KEY, which VACUUM keeps, unlike a bare rowid). 3: relations from annotations.
 */
const SCHEMA_VERSION = 3;
const TABLES = ['units', 'unit_tags', 'lineage', 'relations', 'units_fts', 'checkpoints'];

interface Row {
  unit_cid: string;
  document_id: string;
  version: number;
  content_cid: string;
  media_type: string;
  size: number;
  name: string;
  source: string;
  created_at: string;
  context: string | null;
  tags: string;
  derived_from: string;
  produced_by: string | null;
  previous_cid: string | null;
  position: number;
  latest: number;
}

function fromRow(row: Row): CatalogUnit {
  return {
    unitCid: row.unit_cid,
    documentId: row.document_id,
    version: row.version,
    position: row.position,
    latest: row.latest === 1,
    content: row.content_cid,
    mediaType: row.media_type,
    size: row.size,
    name: row.name,
    source: row.source,
    createdAt: row.created_at,
    context: row.context,
    tags: JSON.parse(row.tags) as string[],
    derivedFrom: JSON.parse(row.derived_from) as string[],
    producedBy:
      row.produced_by === null ? null : (JSON.parse(row.produced_by) as Unit['producedBy']),
    previous: row.previous_cid,
  };
}

function filterSql(filter: UnitFilter, params: unknown[]): string {
  const clauses: string[] = [];
  if (filter.mediaType !== undefined) {
    clauses.push('u.media_type GLOB ?');
    params.push(filter.mediaType);
  }
  if (filter.context !== undefined) {
    clauses.push('u.context = ?');
    params.push(filter.context);
  }
  if (filter.tag !== undefined) {
    clauses.push('EXISTS (SELECT 1 FROM unit_tags t WHERE t.tag = ? AND t.unit_cid = u.unit_cid)');
    params.push(filter.tag);
  }
  if (filter.from !== undefined) {
    clauses.push('u.created_at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push('u.created_at < ?');
    params.push(filter.to);
  }
  return clauses.map((c) => ` AND ${c}`).join('');
}

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
function assertWritable(unit: CatalogUnit): void {
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
 * The catalog and search read model in SQLite (WAL): units, tags, lineage and an FTS5 index.
 * Rebuildable from the event stream at any time; its projection checkpoint lives in the same
 * database, so deleting the file means a full, consistent rebuild.
 */
export class Catalog {
  readonly db: Db;
  private readonly statements = new Map<string, Statement>();
  private readonly insertUnit: (unit: CatalogUnit, body: string) => boolean;
  private group: { ms: number; onError: (err: unknown) => void } | undefined;
  private groupTimer: NodeJS.Timeout | undefined;

  /**
   * Opens the catalog. With `readOnly`, a second connection for queries beside the one the
   * projection writes through (WAL lets it read what is committed while writes go on); the
   * writer must have opened the file first.
   */
  constructor(path: string, options: { readOnly?: boolean } = {}) {
    if (options.readOnly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.insertUnit = () => {
        throw new Error('This catalog connection is read-only.');
      };
      return;
    }
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    if (this.db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
      this.db.transaction(() => {
        for (const table of TABLES) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    }
    this.insertUnit = this.db.transaction((unit: CatalogUnit, body: string) =>
      this.insertRows(unit, body),
    );
  }

  /**
   * Records a unit; returns false when it was already there (idempotent replays). Inside a
   * group its rows are written without a savepoint of their own (with FTS5, one per unit cost
   * a tenth of the catalog's throughput): the unit is checked first, so only a fault of the
   * database itself can stop it halfway, and that rolls the whole group back.
   */
  addUnit(unit: CatalogUnit, body: string): boolean {
    this.openGroup();
    if (!this.db.inTransaction) return this.insertUnit(unit, body);
    assertWritable(unit);
    try {
      return this.insertRows(unit, body);
    } catch (err) {
      if (err instanceof Database.SqliteError) this.abandonGroup(err);
      throw err;
    }
  }

  /** Runs `write` as one transaction (inside the open group, if commits are grouped). */
  write(write: () => void): void {
    this.openGroup();
    if (!this.db.inTransaction) return this.db.transaction(write)();
    try {
      write();
    } catch (err) {
      // Only the database failing leaves the group half written; a refused event wrote nothing,
      // and events applied before it in the batch are applied again, idempotently, one by one.
      if (err instanceof Database.SqliteError) this.abandonGroup(err);
      throw err;
    }
  }

  /**
   * Groups writes into one transaction committed `ms` after the first: each SQLite commit (and
   * the FTS5 segment it writes) cost more than indexing a unit. Writes are visible to this
   * connection at once; a crash loses at most the group, and the projection checkpoint saved in
   * the same database goes with it, so the events are applied again.
   */
  groupCommits(ms: number, onError: (err: unknown) => void): void {
    this.group = { ms, onError };
  }

  private openGroup(): void {
    if (this.group === undefined || this.db.inTransaction) return;
    this.db.exec('BEGIN');
    this.groupTimer = setTimeout(() => this.commit(), this.group.ms).unref();
  }

  /** Rolls back the open group after a write failed inside it, and reports it. */
  private abandonGroup(err: unknown): void {
    if (this.groupTimer !== undefined) clearTimeout(this.groupTimer);
    this.groupTimer = undefined;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.group?.onError(err);
  }

  /** Commits grouped writes now. */
  commit(): void {
    if (this.groupTimer !== undefined) clearTimeout(this.groupTimer);
    this.groupTimer = undefined;
    if (this.group === undefined || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.group.onError(err);
    }
  }

  /** A statement compiled once per distinct SQL text (filters make a small, bounded set). */
  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private insertRows(unit: CatalogUnit, body: string): boolean {
    const result = this.stmt(
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
    const older = this.stmt(
      'SELECT id FROM units WHERE document_id = ? AND version < ? AND latest = 1',
    ).all(unit.documentId, unit.version) as { id: number }[];
    for (const { id } of older) {
      this.stmt('UPDATE units SET latest = 0 WHERE id = ?').run(id);
      this.stmt('DELETE FROM units_fts WHERE rowid = ?').run(id);
    }
    const newer = this.stmt('SELECT 1 FROM units WHERE document_id = ? AND version > ?').get(
      unit.documentId,
      unit.version,
    );
    if (newer) this.stmt('UPDATE units SET latest = 0 WHERE unit_cid = ?').run(unit.unitCid);
    for (const tag of unit.tags)
      this.stmt('INSERT OR IGNORE INTO unit_tags (tag, unit_cid) VALUES (?, ?)').run(
        tag,
        unit.unitCid,
      );
    for (const parent of unit.derivedFrom) {
      this.stmt('INSERT OR IGNORE INTO lineage (child_cid, parent_cid) VALUES (?, ?)').run(
        unit.unitCid,
        parent,
      );
    }
    if (!newer) {
      const meta = [unit.mediaType, unit.context ?? '', ...unit.tags, unit.source].join(' ');
      this.stmt('INSERT INTO units_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)').run(
        result.lastInsertRowid,
        unit.name,
        meta,
        body,
      );
    }
    return true;
  }

  /**
   * Joins a pipeline's findings to a unit: tags (merged), relations, and, when given, the text
   * search indexes for it. Returns false when the unit is not catalogued.
   */
  annotate(
    unitCid: string,
    annotation: {
      tags: readonly string[];
      text: string | undefined;
      relations: readonly { type: string; target: string }[];
    },
  ): boolean {
    this.openGroup();
    return this.db.transaction(() => {
      const row = this.stmt('SELECT * FROM units WHERE unit_cid = ?').get(unitCid) as
        (Row & { id: number }) | undefined;
      if (!row) return false;
      const before = JSON.parse(row.tags) as string[];
      const tags = [...new Set([...before, ...annotation.tags])].sort();
      // Only new tags or new text change what search sees; re-indexing costs more than the rest.
      const retag = tags.length !== before.length;
      if (retag)
        this.stmt('UPDATE units SET tags = ? WHERE id = ?').run(JSON.stringify(tags), row.id);
      for (const tag of annotation.tags)
        this.stmt('INSERT OR IGNORE INTO unit_tags (tag, unit_cid) VALUES (?, ?)').run(
          tag,
          unitCid,
        );
      for (const r of annotation.relations)
        this.stmt('INSERT OR IGNORE INTO relations (unit_cid, type, target) VALUES (?, ?, ?)').run(
          unitCid,
          r.type,
          r.target,
        );
      if (row.latest === 1 && (retag || annotation.text !== undefined)) {
        const indexed = this.stmt('SELECT body FROM units_fts WHERE rowid = ?').get(row.id) as
          { body: string } | undefined;
        const meta = [row.media_type, row.context ?? '', ...tags, row.source].join(' ');
        this.stmt('DELETE FROM units_fts WHERE rowid = ?').run(row.id);
        this.stmt('INSERT INTO units_fts (rowid, name, meta, body) VALUES (?, ?, ?, ?)').run(
          row.id,
          row.name,
          meta,
          annotation.text ?? indexed?.body ?? '',
        );
      }
      return true;
    })();
  }

  /** Relations recorded for a unit (links it makes), in the order found. */
  relations(unitCid: string): { type: string; target: string }[] {
    return this.stmt('SELECT type, target FROM relations WHERE unit_cid = ? ORDER BY rowid').all(
      unitCid,
    ) as { type: string; target: string }[];
  }

  /** Latest versions, newest first, after an optional cursor (a position). */
  list(
    limit: number,
    cursor: number | undefined,
    filter: UnitFilter = {},
  ): { units: CatalogUnit[]; next: number | null } {
    const params: unknown[] = [];
    let sql = 'SELECT u.* FROM units u WHERE u.latest = 1';
    if (cursor !== undefined) {
      sql += ' AND u.position < ?';
      params.push(cursor);
    }
    sql += `${filterSql(filter, params)} ORDER BY u.position DESC LIMIT ?`;
    params.push(limit + 1);
    const rows = (this.stmt(sql).all(...params) as Row[]).map(fromRow);
    const more = rows.length > limit;
    const units = rows.slice(0, limit);
    return { units, next: more ? units[units.length - 1]!.position : null };
  }

  /** Every unit, old versions too, oldest first, after a position: for walks over everything. */
  scan(afterPosition: number, limit: number): CatalogUnit[] {
    return (
      this.stmt('SELECT * FROM units WHERE position > ? ORDER BY position LIMIT ?').all(
        afterPosition,
        limit,
      ) as Row[]
    ).map(fromRow);
  }

  get(unitCid: string): CatalogUnit | undefined {
    const row = this.stmt('SELECT * FROM units WHERE unit_cid = ?').get(unitCid) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** How many units (all versions) have each content CID. */
  unitsPerContent(): Map<string, number> {
    const rows = this.stmt(
      'SELECT content_cid AS cid, COUNT(*) AS n FROM units GROUP BY content_cid',
    ).all() as { cid: string; n: number }[];
    return new Map(rows.map((r) => [r.cid, r.n]));
  }

  /** Every version of the unit's document, oldest first. */
  versions(unitCid: string): CatalogUnit[] {
    const unit = this.get(unitCid);
    if (!unit) return [];
    return (
      this.stmt('SELECT * FROM units WHERE document_id = ? ORDER BY version').all(
        unit.documentId,
      ) as Row[]
    ).map(fromRow);
  }

  /** Units this one was derived from (transitively) and units derived from it. */
  lineage(unitCid: string): {
    ancestors: CatalogUnit[];
    descendants: CatalogUnit[];
    edges: { child: string; parent: string }[];
  } {
    const walk = (direction: 'up' | 'down') => {
      const [from, to] =
        direction === 'up' ? ['child_cid', 'parent_cid'] : ['parent_cid', 'child_cid'];
      return this.stmt(
        `WITH RECURSIVE walk(cid, depth) AS (SELECT ?, 0 UNION SELECT l.${to}, w.depth + 1 FROM lineage l JOIN walk w ON l.${from} = w.cid WHERE w.depth < 50)
           SELECT cid FROM walk WHERE depth > 0`,
      ).all(unitCid) as { cid: string }[];
    };
    const ancestors = walk('up').map((r) => r.cid);
    const descendants = walk('down').map((r) => r.cid);
    const all = [unitCid, ...ancestors, ...descendants];
    const placeholders = all.map(() => '?').join(',');
    const edges = (
      this.stmt(
        `SELECT child_cid, parent_cid FROM lineage WHERE child_cid IN (${placeholders}) AND parent_cid IN (${placeholders})`,
      ).all(...all, ...all) as {
        child_cid: string;
        parent_cid: string;
      }[]
    ).map((e) => ({ child: e.child_cid, parent: e.parent_cid }));
    const units = (cids: string[]) =>
      cids.map((c) => this.get(c)).filter((u): u is CatalogUnit => u !== undefined);
    return { ancestors: units(ancestors), descendants: units(descendants), edges };
  }

  /** Full-text search over names, metadata and text, BM25-ranked, with snippets. */
  search(match: string, limit: number, filter: UnitFilter = {}): SearchHit[] {
    const params: unknown[] = [match];
    const sql = `SELECT u.*, snippet(units_fts, -1, char(2), char(3), '…', 12) AS snippet, bm25(units_fts, 10.0, 3.0, 1.0) AS score
      FROM units_fts JOIN units u ON u.id = units_fts.rowid
      WHERE units_fts MATCH ? AND u.latest = 1${filterSql(filter, params)} ORDER BY score LIMIT ?`;
    params.push(limit);
    return (this.stmt(sql).all(...params) as (Row & { snippet: string; score: number })[]).map(
      (row) => ({
        unit: fromRow(row),
        snippet: row.snippet.replaceAll(MATCH_START, '[').replaceAll(MATCH_END, ']'),
        highlights: highlightsOf(row.snippet),
        score: -row.score,
      }),
    );
  }

  /** Units and bytes of latest versions, for status pages. */
  counts(): { units: number; documents: number; bytes: number } {
    const row = this.stmt(
      'SELECT COUNT(*) AS units, COUNT(DISTINCT document_id) AS documents, COALESCE(SUM(size), 0) AS bytes FROM units',
    ).get() as {
      units: number;
      documents: number;
      bytes: number;
    };
    return row;
  }

  /** Empties every table, for a rebuild from the event stream. */
  reset(): void {
    this.db.exec(
      'DELETE FROM units; DELETE FROM unit_tags; DELETE FROM lineage; DELETE FROM relations; DELETE FROM units_fts; DELETE FROM checkpoints;',
    );
  }

  close(): void {
    this.commit();
    this.db.close();
  }
}
