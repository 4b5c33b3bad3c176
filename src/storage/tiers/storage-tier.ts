import type { ContentStore } from '../content-store.js';

/** What a tier knows about one object without reading it. */
export interface TierStat {
  readonly size: number;
}

/** One object as {@link StorageTier.list} reports it. */
export interface TierEntry {
  readonly cid: string;
  readonly size: number;
}

/**
 * One place content can live (hot, warm, cold, an archive folder): a {@link ContentStore} with a
 * name, which can also be checked, listed and emptied of an object, so content moves between
 * any two tiers the same way.
 *
 * Beyond the rules of ContentStore, every implementation keeps these (the contract suite in
 * `tier.contract.ts` checks them all):
 * - a put whose bytes do not hash to the CID leaves nothing behind: `has` stays false and `list`
 *   does not show it;
 * - every IntegrityError names the CID and the tier (`tier <name>`);
 * - a string that is not a content CID is refused as an InvalidInputError.
 */
export interface StorageTier extends ContentStore {
  /** The tier's configured name (`hot`, `warm`, `cold`, ...), used in every error it reports. */
  readonly name: string;
  /**
   * Checks the tier can be used (reachable, credentials accepted, bucket or folder present);
   * throws a CimError with one sentence saying what is wrong otherwise.
   */
  check(): Promise<void>;
  /** Size of the object, or undefined when the tier does not hold it; does not read the bytes. */
  stat(cid: string): Promise<TierStat | undefined>;
  /** Removes the object; removing an object the tier does not hold is not an error. */
  delete(cid: string): Promise<void>;
  /** Every object the tier holds, in no particular order. */
  list(): AsyncIterable<TierEntry>;
  /** Releases what the tier opened itself; the tier is not used afterwards. */
  close(): Promise<void>;
}
