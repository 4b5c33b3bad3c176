import { z } from 'zod';
import { NotFoundError, UnavailableError } from '../../core/errors.js';
import { toFtsQuery } from '../../knowledge/fts-query.js';
import type { OperationContext, UnitsContext } from '../operation.js';
import {
  catalogStatsSchema,
  lineageSchema,
  searchResultSchema,
  unitDetailSchema,
  unitHistorySchema,
  unitPageSchema,
} from '../schemas/units.js';
import { defineOperation } from '../operation.js';

/** The units services, or a clear error where the units component does not run. */
export function unitsOf(ctx: OperationContext): UnitsContext {
  if (!ctx.units)
    throw new UnavailableError(
      'The units component does not run in this process: start it with cim up or cim serve --component units.',
    );
  return ctx.units;
}

const filters = {
  mediaType: z.string().min(1).max(200).optional(),
  tag: z.string().min(1).max(200).optional(),
  context: z.string().min(1).max(128).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
};
const cid = z.string().min(10).max(200);

/** Drops undefined members, for `exactOptionalPropertyTypes`. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** `GET /api/units`: latest versions, newest first, paged by cursor, filtered. */
export const listUnits = defineOperation({
  component: 'units',
  name: 'list',
  summary: 'List units (latest versions), newest first.',
  access: 'reader',
  http: { method: 'GET', path: '/api/units' },
  input: z.object({
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    cursor: z.coerce.number().int().min(1).optional(),
    ...filters,
  }),
  output: unitPageSchema,
  async handle({ limit, cursor, ...filter }, ctx) {
    return unitsOf(ctx).catalog.list(limit, cursor, defined(filter));
  },
});

/** `GET /api/units/{cid}`: one unit with every version of its document. */
export const showUnit = defineOperation({
  component: 'units',
  name: 'show',
  summary: 'One unit and the versions of its document.',
  access: 'reader',
  http: { method: 'GET', path: '/api/units/:cid' },
  input: z.object({ cid }),
  output: unitDetailSchema,
  async handle({ cid }, ctx) {
    const { catalog } = unitsOf(ctx);
    const unit = catalog.get(cid);
    if (!unit)
      throw new NotFoundError(`There is no unit ${cid}: check the CID (cim units ls lists them).`);
    return { unit, versions: catalog.versions(cid) };
  },
});

/** `GET /api/units/{cid}/history`: the versions of the unit's document, oldest first. */
export const unitHistory = defineOperation({
  component: 'units',
  name: 'history',
  summary: 'Versions of the unit’s document, oldest first.',
  access: 'reader',
  http: { method: 'GET', path: '/api/units/:cid/history' },
  input: z.object({ cid }),
  output: unitHistorySchema,
  async handle({ cid }, ctx) {
    const versions = unitsOf(ctx).catalog.versions(cid);
    if (versions.length === 0)
      throw new NotFoundError(`There is no unit ${cid}: check the CID (cim units ls lists them).`);
    return { versions };
  },
});

/** `GET /api/units/{cid}/lineage`: ancestors and descendants by `derivedFrom`. */
export const unitLineage = defineOperation({
  component: 'units',
  name: 'lineage',
  summary: 'Units this one derives from and units derived from it.',
  access: 'reader',
  http: { method: 'GET', path: '/api/units/:cid/lineage' },
  input: z.object({ cid }),
  output: lineageSchema,
  async handle({ cid }, ctx) {
    const { catalog } = unitsOf(ctx);
    const unit = catalog.get(cid);
    if (!unit)
      throw new NotFoundError(`There is no unit ${cid}: check the CID (cim units ls lists them).`);
    return { unit, ...catalog.lineage(cid), relations: catalog.relations(cid) };
  },
});

/** `GET /api/search?q=`: full-text and metadata search, BM25-ranked, with snippets. */
export const searchUnits = defineOperation({
  component: 'units',
  name: 'search',
  summary: 'Full-text search over names, metadata and text.',
  access: 'reader',
  http: { method: 'GET', path: '/api/search' },
  input: z.object({
    q: z.string().min(1).max(1000),
    limit: z.coerce.number().int().min(1).max(200).default(20),
    ...filters,
  }),
  output: searchResultSchema,
  async handle({ q, limit, ...filter }, ctx) {
    const match = toFtsQuery(q);
    if (match === undefined) return { query: q, hits: [] };
    return { query: q, hits: unitsOf(ctx).catalog.search(match, limit, defined(filter)) };
  },
});

/** `GET /api/catalog/stats`: how many units, documents and bytes the catalog holds. */
export const catalogStats = defineOperation({
  component: 'units',
  name: 'stats',
  summary: 'Units (all versions), documents and bytes in the catalog.',
  access: 'reader',
  http: { method: 'GET', path: '/api/catalog/stats' },
  input: z.object({}),
  output: catalogStatsSchema,
  async handle(_input, ctx) {
    return unitsOf(ctx).catalog.counts();
  },
});
