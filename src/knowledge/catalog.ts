import type { Unit } from '../units/unit.js';

/*
 * The catalog read model's types. The catalog itself is a CatalogReader (queries, on a read-only
 * connection: `catalog-reader.ts`) and a CatalogWriter (the projection's writes, which can also
 * query: `catalog-writer.ts`).
 */

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
