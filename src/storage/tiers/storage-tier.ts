import type { ContentStore } from '../content-store.js';
import { InvalidInputError } from '../../core/errors.js';

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

/**
 * A tier that also keeps a few small named records beside its objects: the only names in a tier
 * that are not CIDs, so a reader holding nothing but the tier can find what to read first (a
 * backup's manifest). S3: `<prefix>refs/<name>`; folder: `<root>/refs/<name>`. A name is a path
 * of lowercase letters, digits, `.`, `_`, `-` and `:` parts separated by `/`.
 */
export interface TierRefs {
  /** Writes (or replaces) the record `name`. */
  putRef(name: string, text: string): Promise<void>;
  /** The record `name`, or undefined when there is none. */
  getRef(name: string): Promise<string | undefined>;
  /** The names of every record under `prefix` (which ends in `/`), in lexical order. */
  listRefs(prefix: string): Promise<string[]>;
}

const REF_NAME = /^[a-z0-9._:-]+(\/[a-z0-9._:-]+)*$/i;

/** Refuses a record name outside {@link TierRefs}' grammar (no `..`, no absolute paths). */
export function assertRefName(name: string): void {
  if (!REF_NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) {
    throw new InvalidInputError(`${JSON.stringify(name)} is not a record name of a tier.`);
  }
}

/** The tier's named records, when it keeps them (S3 and folder tiers do; hot does not). */
export function refsOf(tier: StorageTier): (StorageTier & TierRefs) | undefined {
  const candidate = tier as Partial<TierRefs>;
  return typeof candidate.putRef === 'function' &&
    typeof candidate.getRef === 'function' &&
    typeof candidate.listRefs === 'function'
    ? (tier as StorageTier & TierRefs)
    : undefined;
}
