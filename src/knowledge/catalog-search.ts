import type { SearchHit, UnitFilter } from './catalog.js';
import { fromRow } from './catalog-schema.js';
import type { Prepare, Row } from './catalog-schema.js';

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

/** The SQL of `filter` (clauses on units `u`, each after an AND), its values pushed to `params`. */
export function filterSql(filter: UnitFilter, params: unknown[]): string {
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

/** Full-text search over names, metadata and text, BM25-ranked, with snippets. */
export function searchUnits(
  stmt: Prepare,
  match: string,
  limit: number,
  filter: UnitFilter = {},
): SearchHit[] {
  const params: unknown[] = [match];
  const sql = `SELECT u.*, snippet(units_fts, -1, char(2), char(3), '…', 12) AS snippet, bm25(units_fts, 10.0, 3.0, 1.0) AS score
    FROM units_fts JOIN units u ON u.id = units_fts.rowid
    WHERE units_fts MATCH ? AND u.latest = 1${filterSql(filter, params)} ORDER BY score LIMIT ?`;
  params.push(limit);
  return (stmt(sql).all(...params) as (Row & { snippet: string; score: number })[]).map((row) => ({
    unit: fromRow(row),
    snippet: row.snippet.replaceAll(MATCH_START, '[').replaceAll(MATCH_END, ']'),
    highlights: highlightsOf(row.snippet),
    score: -row.score,
  }));
}
