import type { AggregateRef } from '../core/subjects.js';

/** Domain and aggregate type of stored content (id: the content CID). */
export const STORAGE_DOMAIN = 'storage';
export const CONTENT_AGGREGATE = 'Content';

/**
 * Recorded when content was copied to another tier and the copy was verified there (read back
 * and hashed, or checked by the server), before the source copy is freed. `kept` says whether the source copy stays.
 */
export const CONTENT_TIERED = 'ContentTiered';

/** Data of a `ContentTiered` event. */
export interface ContentTieredData {
  readonly cid: string;
  readonly from: string;
  readonly to: string;
  readonly size: number;
  readonly kept: boolean;
  /**
   * How the copy was checked before the event was recorded: read back and hashed, or an S3 ETag
   * the server computed from the bytes it received matching the MD5 of the bytes sent.
   */
  readonly verifiedBy: 'read-back' | 'etag';
  /** The policy whose rule moved it, or null for a move asked for by hand. */
  readonly policy: string | null;
}

/** The aggregate of one content's placements. */
export const contentRef = (cid: string): AggregateRef => ({
  domain: STORAGE_DOMAIN,
  aggregate: CONTENT_AGGREGATE,
  aggregateId: cid,
});

/** Aggregate type of lifecycle policies (id: the policy's name). */
export const POLICY_AGGREGATE = 'Policy';

/** Recorded when a lifecycle policy is applied (its whole definition, as its new version). */
export const STORAGE_POLICY_APPLIED = 'StoragePolicyApplied';
