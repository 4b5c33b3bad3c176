import { z } from 'zod';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';
import { unitSchema } from '../unit-schema.js';

export { unitSchema } from '../unit-schema.js';
export type { ProducedBy, Unit } from '../unit-schema.js';

/**
 * Recorded on `units.Document.<documentId>` when a new unit (a new version of a document) is
 * ingested: the unit record and its CID (re-checked by readers).
 */
export const UnitIngested = defineEvent(
  'UnitIngested',
  z.object({
    unitCid: z.string(),
    documentId: z.string(),
    unit: unitSchema,
    /** True when the content bytes were new to the store. */
    contentStored: z.boolean(),
  }),
);
export type UnitIngestedData = EventData<typeof UnitIngested>;

const relationSchema = z.object({ type: z.string(), target: z.string() });

/**
 * Recorded on `units.Unit.<unitCid>` when a pipeline run says something about a unit without
 * changing it: tags from classification, the text search should index (for formats the catalog
 * cannot read itself), relations to other units or URLs. The unit stays immutable; read models
 * join these to it.
 */
export const UnitAnnotated = defineEvent(
  'UnitAnnotated',
  z.object({
    unitCid: z.string(),
    tags: z.array(z.string()),
    /** Content CID of extracted text to index for the unit, or null. */
    textCid: z.string().nullable(),
    relations: z.array(relationSchema),
    /**
     * The pipeline whose run found these, and `name@version` of the processors of its steps.
     * Annotations recorded before 2026-11-25 came one per step and named that step instead; they
     * stay readable, as nothing recorded may become malformed by a later release.
     */
    producedBy: z.union([
      z.object({ pipeline: z.string(), processors: z.array(z.string()) }),
      z.object({ processor: z.string(), pipeline: z.string(), step: z.string() }),
    ]),
  }),
);
export type UnitAnnotatedData = EventData<typeof UnitAnnotated>;
