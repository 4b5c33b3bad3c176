import Database from 'better-sqlite3';
import type { CatalogUnit } from './catalog.js';
import { CatalogReader } from './catalog-reader.js';
import { annotateRows, assertWritable, insertRows } from './catalog-rows.js';
import type { Annotation } from './catalog-rows.js';
import { openWritable } from './catalog-schema.js';

/**
 * The catalog as the projection writes it: the queries of a {@link CatalogReader} on the
 * writing connection, and the writes. Rebuildable from the event stream at any time; its
 * projection checkpoint lives in the same database, so deleting the file means a full,
 * consistent rebuild.
 */
export class CatalogWriter extends CatalogReader {
  private readonly insertUnit = this.db.transaction((unit: CatalogUnit, body: string) =>
    insertRows(this.stmt, unit, body),
  );
  private group: { ms: number; onError: (err: unknown) => void } | undefined;
  private groupTimer: NodeJS.Timeout | undefined;

  /** Opens the catalog for writing, creating it (or, of another schema version, anew). */
  static override open(path: string): CatalogWriter {
    return new CatalogWriter(openWritable(path));
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
      return insertRows(this.stmt, unit, body);
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
   * Joins a pipeline's findings to a unit: tags (merged), relations, and, when given, the text
   * search indexes for it. Returns false when the unit is not catalogued.
   */
  annotate(unitCid: string, annotation: Annotation): boolean {
    this.openGroup();
    return this.db.transaction(() => annotateRows(this.stmt, unitCid, annotation))();
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

  /** Empties every table, for a rebuild from the event stream. */
  reset(): void {
    this.db.exec(
      'DELETE FROM units; DELETE FROM unit_tags; DELETE FROM lineage; DELETE FROM relations; DELETE FROM units_fts; DELETE FROM checkpoints;',
    );
  }

  /** Commits what is pending, then closes the connection. */
  override close(): void {
    this.commit();
    super.close();
  }
}
