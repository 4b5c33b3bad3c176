/** Domain and aggregate type of logical documents (their events: `UnitIngested`). */
export const UNITS_DOMAIN = 'units';
export const DOCUMENT_AGGREGATE = 'Document';

/** Aggregate type of annotations made to one unit (id: the unit CID; events: `UnitAnnotated`). */
export const UNIT_AGGREGATE = 'Unit';
