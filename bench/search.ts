import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogWriter } from '../src/knowledge/catalog-writer.js';
import { toFtsQuery } from '../src/knowledge/fts-query.js';
import type { Figure } from './harness.js';
import { figure, note } from './harness.js';

const UNITS = 100_000;
const WORDS_PER_UNIT = 150;
const VOCABULARY = 20_000;
const QUERIES = 400;
const LIMIT = 20;
/** The most frequent words, kept out of the main query mix. */
const COMMON = 100;

/** A deterministic generator, so every run searches the same catalog. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pronounceable made-up words; word i is drawn with Zipf-like frequency, as in real text. */
function vocabulary(): string[] {
  const syllables = ['ka', 'lo', 'mi', 're', 'tu', 'sa', 'ne', 'po', 'vi', 'da', 'gu', 'xe'];
  return Array.from({ length: VOCABULARY }, (_, i) => {
    let word = '';
    for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) {
      word += syllables[n % syllables.length]!;
    }
    return `${word}${i % 7 === 0 ? 'ion' : ''}`;
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The `search` suite: p95 latency of the catalog's search (FTS5 with BM25 weights per column,
 * snippets, the join to unit records, the latest-version filter) over 100,000 units, against a
 * bare FTS5 MATCH ordered by rank over the same index, for distinctive words, two-word queries
 * and phrases; queries of the most frequent words are measured apart.
 */
export async function searchSuite(): Promise<{ figures: Figure[]; serverVersion: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cim-bench-search-'));
  const catalog = CatalogWriter.open(join(dir, 'catalog.sqlite'));
  try {
    const words = vocabulary();
    const next = random(7);
    const zipf = () => words[Math.floor(VOCABULARY ** next()) - 1]!;
    note(`search: cataloguing ${UNITS} units of ${WORDS_PER_UNIT} words`);
    const samples: string[][] = [];
    catalog.db.transaction(() => {
      for (let i = 0; i < UNITS; i++) {
        const bodyWords = Array.from({ length: WORDS_PER_UNIT }, zipf);
        if (i % 250 === 0) samples.push(bodyWords);
        const body = bodyWords.join(' ');
        catalog.addUnit(
          {
            unitCid: `bafyreibench${i}`,
            documentId: `doc${i}`,
            version: 1,
            position: i + 1,
            latest: true,
            content: `bafkreibench${i}`,
            mediaType: i % 3 === 0 ? 'text/markdown' : 'text/plain',
            size: body.length,
            name: `${zipf()}-${i}.txt`,
            source: `file:///bench/${i}.txt`,
            createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
            tags: i % 10 === 0 ? ['report'] : [],
            context: null,
            derivedFrom: [],
            producedBy: null,
            previous: null,
          },
          body,
        );
      }
    })();

    // What people search for: distinctive words (any word but the most frequent hundred, drawn
    // evenly from the vocabulary), two such words, and phrases copied out of catalogued units.
    const distinctive = () => words[COMMON + Math.floor(next() * (VOCABULARY - COMMON))]!;
    const queries = Array.from({ length: QUERIES }, (_, i) => {
      switch (i % 3) {
        case 0:
          return distinctive();
        case 1:
          return `${distinctive()} ${distinctive()}`;
        default: {
          const sample = samples[i % samples.length]!;
          const at = Math.floor(next() * (sample.length - 3));
          return `"${sample.slice(at, at + 3).join(' ')}"`;
        }
      }
    });
    // Reported apart: words found in nearly every unit, as "the" is in English text.
    const commonQueries = Array.from(
      { length: QUERIES / 4 },
      () => words[Math.floor(next() * COMMON)]!,
    );
    const raw = catalog.db.prepare(
      'SELECT rowid FROM units_fts WHERE units_fts MATCH ? ORDER BY rank LIMIT ?',
    );
    const measure = (run: (match: string) => void, asked = queries): number[] =>
      asked
        .map((q) => {
          const match = toFtsQuery(q)!;
          const started = process.hrtime.bigint();
          run(match);
          return Number(process.hrtime.bigint() - started) / 1e6;
        })
        .sort((a, b) => a - b);
    note(`search: ${QUERIES} queries, bare FTS5 MATCH`);
    measure((m) => raw.all(m, LIMIT));
    const rawTimes = measure((m) => raw.all(m, LIMIT));
    note(`search: ${QUERIES} queries, catalog search`);
    measure((m) => catalog.search(m, LIMIT));
    const cimTimes = measure((m) => catalog.search(m, LIMIT));
    const unfound = queries.filter(
      (q) => q.startsWith('"') && catalog.search(toFtsQuery(q)!, 1).length === 0,
    );
    if (unfound.length > 0)
      throw new Error(`phrases from catalogued units not found: ${unfound[0]}`);
    note(`search: ${commonQueries.length} queries of the ${COMMON} most frequent words`);
    const rawCommon = measure((m) => raw.all(m, LIMIT), commonQueries);
    const cimCommon = measure((m) => catalog.search(m, LIMIT), commonQueries);
    return {
      figures: [
        figure(
          'search-p95',
          'ms',
          percentile(cimTimes, 95),
          'bare FTS5 MATCH ORDER BY rank, p95',
          percentile(rawTimes, 95),
        ),
        figure(
          'search-p50',
          'ms',
          percentile(cimTimes, 50),
          'bare FTS5 MATCH ORDER BY rank, p50',
          percentile(rawTimes, 50),
        ),
        figure(
          'common-word-p95',
          'ms',
          percentile(cimCommon, 95),
          'bare FTS5 MATCH ORDER BY rank, p95',
          percentile(rawCommon, 95),
        ),
      ],
      serverVersion: 'none',
    };
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
