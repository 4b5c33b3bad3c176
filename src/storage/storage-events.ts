import type { AggregateRef } from '../core/subjects.js';

/** Domain and aggregate type of stored content (id: the content CID; events: `ContentTiered`). */
export const STORAGE_DOMAIN = 'storage';
export const CONTENT_AGGREGATE = 'Content';

/** The aggregate of one content's placements. */
export const contentRef = (cid: string): AggregateRef => ({
  domain: STORAGE_DOMAIN,
  aggregate: CONTENT_AGGREGATE,
  aggregateId: cid,
});

/** Aggregate type of lifecycle policies (id: the policy's name; events: `StoragePolicyApplied`). */
export const POLICY_AGGREGATE = 'Policy';
