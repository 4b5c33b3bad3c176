import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Unit } from '../units/unit.js';
import type { CatalogUnit } from './catalog.js';

/** Compiles (once per distinct SQL text) a statement of the catalog's connection. */
export type Prepare = (sql: string) => Statement;

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

/**
 * Opens (creating it if need be) the catalog database for writing, in WAL mode so a read-only
 * connection reads what is committed while writes go on; a database of another schema version
 * is dropped and created anew.
 */
export function openWritable(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
    db.transaction(() => {
      for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
  return db;
}

/** A read-only connection to a catalog the writer has opened (created) first. */
export function openReadOnly(path: string): Db {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** A unit's row in the `units` table. */
export interface Row {
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

/** A unit row as the catalog returns it. */
export function fromRow(row: Row): CatalogUnit {
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
