import type { Database as Db, Statement } from 'better-sqlite3';
import type { CatalogUnit, SearchHit, UnitFilter } from './catalog.js';
import { fromRow, openReadOnly } from './catalog-schema.js';
import type { Row } from './catalog-schema.js';
import { filterSql, searchUnits } from './catalog-search.js';

/**
 * The catalog and search read model's queries (SQLite, WAL): units, tags, lineage and an FTS5
 * index. {@link CatalogReader.open} gives a read-only connection beside the one the projection
 * writes through (a {@link CatalogWriter}, which has these queries too): it reads what is
 * committed while writes go on, and has no way to write.
 */
export class CatalogReader {
  private readonly statements = new Map<string, Statement>();

  /** Opens a read-only connection; the writer must have opened (created) the file first. */
  static open(path: string): CatalogReader {
    return new CatalogReader(openReadOnly(path));
  }

  protected constructor(
    /** The connection (read-only for a reader opened by {@link CatalogReader.open}). */
    readonly db: Db,
  ) {}

  /** A statement compiled once per distinct SQL text (filters make a small, bounded set). */
  protected readonly stmt = (sql: string): Statement => {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  };

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

  /** The catalog's checkpoints: the last stream position each of its projections has read. */
  checkpoints(): { name: string; position: number }[] {
    const rows = this.stmt('SELECT projection, position FROM checkpoints').all() as {
      projection: string;
      position: number;
    }[];
    return rows.map((r) => ({ name: `catalog ${r.projection}`, position: r.position }));
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
    return searchUnits(this.stmt, match, limit, filter);
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

  close(): void {
    this.db.close();
  }
}
