import { z } from 'zod';
import { problemSchema } from './problem.js';
import { named } from './registry.js';
import { unitSchema as unitRecordSchema } from '../../core/unit-schema.js';

/** A unit as the catalog lists it: its record, its document and version, and where it is. */
export const unitSchema = named(
  'Unit',
  unitRecordSchema.extend({
    unitCid: z.string(),
    documentId: z.string(),
    version: z.number().int(),
    position: z.number().int(),
    latest: z.boolean(),
  }),
);

/** `GET /api/units`: latest versions, newest first; `next` is the cursor of the next page. */
export const unitPageSchema = named(
  'UnitPage',
  z.object({ units: z.array(unitSchema), next: z.number().int().nullable() }),
);

/** `GET /api/units/{cid}`: one unit and every version of its document. */
export const unitDetailSchema = named(
  'UnitDetail',
  z.object({ unit: unitSchema, versions: z.array(unitSchema) }),
);

/** `GET /api/units/{cid}/history`: the versions of the unit's document, oldest first. */
export const unitHistorySchema = named('UnitHistory', z.object({ versions: z.array(unitSchema) }));

/** `GET /api/units/{cid}/lineage`: units it derives from, units derived from it, relations. */
export const lineageSchema = named(
  'Lineage',
  z.object({
    unit: unitSchema,
    ancestors: z.array(unitSchema),
    descendants: z.array(unitSchema),
    edges: z.array(z.object({ child: z.string(), parent: z.string() })),
    relations: z.array(z.object({ type: z.string(), target: z.string() })),
  }),
);

/** One search hit: the passage matched, as text with `[brackets]` and as highlighted pieces. */
export const searchHitSchema = named(
  'SearchHit',
  z.object({
    unit: unitSchema,
    snippet: z.string(),
    highlights: z.array(z.object({ text: z.string(), match: z.boolean() })),
    score: z.number(),
  }),
);

/** `GET /api/search`. */
export const searchResultSchema = named(
  'SearchResult',
  z.object({ query: z.string(), hits: z.array(searchHitSchema) }),
);

/** `GET /api/catalog/stats`. */
export const catalogStatsSchema = named(
  'CatalogStats',
  z.object({ units: z.number().int(), documents: z.number().int(), bytes: z.number().int() }),
);

/** `POST /api/units` with a raw body: the unit ingested. */
export const ingestResultSchema = named(
  'IngestResult',
  z.object({
    unitCid: z.string(),
    contentCid: z.string(),
    documentId: z.string(),
    version: z.number().int(),
    position: z.number().int(),
    size: z.number().int(),
    mediaType: z.string(),
    status: z.enum(['stored', 'deduplicated']),
  }),
);

/** One file of a multipart upload: ingested, or refused with a problem document. */
export const uploadItemSchema = named(
  'UploadItem',
  z.union([
    ingestResultSchema.extend({ name: z.string() }),
    z.object({ name: z.string(), status: z.literal('error'), error: problemSchema }),
  ]),
);

/** `POST /api/units` with multipart/form-data: one item per file (207 when one failed). */
export const uploadReplySchema = named(
  'UploadReply',
  z.object({ units: z.array(uploadItemSchema) }),
);

/** The query string of `POST /api/units` (an input; the body is the file or the form). */
export const ingestQuerySchema = z.object({
  /** Required for a raw body; a multipart upload names each file by its part. */
  name: z.string().min(1).max(1024).optional(),
  source: z.string().min(1).max(4096).optional(),
  tag: z
    .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(100)])
    .optional(),
  context: z.string().min(1).max(128).optional(),
  cid: z.string().min(10).max(200).optional(),
  size: z.coerce.number().int().min(0).optional(),
  /** Wait until the catalog shows the unit (read-your-writes for search), up to this many ms. */
  wait: z.coerce.number().int().min(0).max(60_000).default(5_000),
});

/** `POST /api/units`: the unit for a raw body, one item per file for multipart/form-data. */
export const ingestReplySchema = named(
  'IngestReply',
  z.union([ingestResultSchema, uploadReplySchema]),
);

export type Unit = z.infer<typeof unitSchema>;
export type UnitPage = z.infer<typeof unitPageSchema>;
export type UnitDetail = z.infer<typeof unitDetailSchema>;
export type UnitHistory = z.infer<typeof unitHistorySchema>;
export type Lineage = z.infer<typeof lineageSchema>;
export type SearchHit = z.infer<typeof searchHitSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;
export type CatalogStats = z.infer<typeof catalogStatsSchema>;
export type IngestResult = z.infer<typeof ingestResultSchema>;
export type UploadItem = z.infer<typeof uploadItemSchema>;
export type UploadReply = z.infer<typeof uploadReplySchema>;
export type IngestReply = z.infer<typeof ingestReplySchema>;
