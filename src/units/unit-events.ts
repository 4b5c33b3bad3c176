import type { Unit } from './unit.js';

/** Domain and aggregate type of logical documents. */
export const UNITS_DOMAIN = 'units';
export const DOCUMENT_AGGREGATE = 'Document';

/** Recorded when a new unit (a new version of a document) is ingested. */
export const UNIT_INGESTED = 'UnitIngested';

/** Data of a `UnitIngested` event: the unit record and its CID (re-checked by readers). */
export interface UnitIngestedData {
  readonly unitCid: string;
  readonly documentId: string;
  readonly unit: Unit;
  /** True when the content bytes were new to the store. */
  readonly contentStored: boolean;
}

/** Aggregate type of annotations made to one unit (id: the unit CID). */
export const UNIT_AGGREGATE = 'Unit';

/**
 * Recorded when a pipeline step says something about a unit without changing it: tags from
 * classification, the text search should index (for formats the catalog cannot read itself),
 * relations to other units or URLs. The unit stays immutable; read models join these to it.
 */
export const UNIT_ANNOTATED = 'UnitAnnotated';

/** Data of a `UnitAnnotated` event. */
export interface UnitAnnotatedData {
  readonly unitCid: string;
  readonly tags: readonly string[];
  /** Content CID of extracted text to index for the unit, or null. */
  readonly textCid: string | null;
  readonly relations: readonly { readonly type: string; readonly target: string }[];
  /** The pipeline whose run found these, and `name@version` of the processors of its steps. */
  readonly producedBy: { readonly pipeline: string; readonly processors: readonly string[] };
}
