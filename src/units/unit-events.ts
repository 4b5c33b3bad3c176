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
