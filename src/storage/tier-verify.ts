import { IntegrityError, toCimError } from '../core/errors.js';
import type { ExpectedContent } from './content-inventory.js';
import type { StorageTier } from './tiers/storage-tier.js';

/** One object `verify` found wrong. */
export interface VerifyFault {
  readonly tier: string;
  readonly cid: string;
  readonly error: string;
  /**
   * Missing: the history places the content in this tier, which does not hold it; damaged: the
   * copy is there but not the content; unreadable: the tier could not be asked.
   */
  readonly kind: 'missing' | 'damaged' | 'unreadable';
  /** Set once the copy was replaced by an intact one from tier `repairedFrom`. */
  repairedFrom?: string;
}

/** Content no tier holds an intact copy of: the units naming it cannot be read. */
export interface LostContent {
  readonly cid: string;
  readonly size: number;
  readonly tiers: readonly string[];
  readonly names: readonly string[];
  readonly units: number;
}

/** What `verify` checked. */
export interface VerifyReport {
  readonly tiers: readonly { name: string; checked: number; bytes: number; faults: number }[];
  readonly faults: readonly VerifyFault[];
  /** Contents the history says are stored, or null when it was not consulted. */
  readonly expected: number | null;
  readonly lost: readonly LostContent[];
}

/** How deep a verification looks, and what it may be told about the history. */
export interface VerifyOptions {
  /** What the history says is stored; every copy it places in a verified tier is checked. */
  readonly expected?: ReadonlyMap<string, ExpectedContent>;
  /**
   * Tiers whose copies are only looked up (listed, or asked for), not read and hashed: a
   * reconciliation after a crash re-hashes the local tier and asks the remote ones.
   */
  readonly presenceOnly?: ReadonlySet<string>;
  readonly onProgress?: (checked: number) => void;
}

/** Objects verified at once by `verify`. */
const VERIFY_CONCURRENCY = 4;

/** Reads a stream to its end (verifying it, for verified streams); its length. */
export async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.byteLength;
  return bytes;
}

/** Runs `work` over `items`, a few at once. */
export async function eachLimited<T>(
  items: Iterable<T>,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const item of items) {
    while (inFlight.size >= VERIFY_CONCURRENCY) await Promise.race(inFlight);
    const job: Promise<void> = work(item).finally(() => inFlight.delete(job));
    inFlight.add(job);
  }
  await Promise.all(inFlight);
}

/**
 * Checks every object of `tiers` (a few at once): every object a tier lists, and every copy
 * the history (`expected`) places in it, even one the tier does not list (a crashed store can
 * lose objects from its listing as well as their bytes). Each is read and hashed, or only
 * looked up in `presenceOnly` tiers. Reports each copy that is missing, unreadable or
 * corrupted and a tier that cannot be listed; `onProgress` is called after each object.
 */
export async function verifyTiers(
  tiers: readonly StorageTier[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const faults: VerifyFault[] = [];
  const summary: { name: string; checked: number; bytes: number; faults: number }[] = [];
  let total = 0;
  for (const tier of tiers) {
    const row = { name: tier.name, checked: 0, bytes: 0, faults: 0 };
    summary.push(row);
    const fault = (cid: string, kind: VerifyFault['kind'], error: string) => {
      row.faults++;
      faults.push({ tier: tier.name, cid, error, kind });
    };
    const listed = new Set<string>();
    try {
      for await (const entry of tier.list()) listed.add(entry.cid);
    } catch (err) {
      fault('', 'unreadable', toCimError(err).message);
    }
    const placed = new Set<string>();
    for (const entry of options.expected?.values() ?? []) {
      if (entry.tiers.has(tier.name)) placed.add(entry.cid);
    }
    const presenceOnly = options.presenceOnly?.has(tier.name) ?? false;
    const check = async (cid: string) => {
      try {
        if (presenceOnly) {
          if (!listed.has(cid) && !(await tier.has(cid))) {
            fault(cid, 'missing', missingSentence(cid, tier.name));
          }
        } else {
          const object = await tier.get(cid);
          const bytes = object ? await drain(object.stream()) : 0;
          // Added after the read: `row.bytes += await …` would add to a stale total.
          row.bytes += bytes;
          if (!object && listed.has(cid)) {
            fault(cid, 'damaged', `${cid} is listed in tier ${tier.name} but gone.`);
          } else if (!object) fault(cid, 'missing', missingSentence(cid, tier.name));
        }
      } catch (err) {
        const kind = err instanceof IntegrityError ? 'damaged' : 'unreadable';
        fault(cid, kind, toCimError(err).message);
      }
      row.checked++;
      options.onProgress?.(++total);
    };
    await eachLimited(new Set([...listed, ...placed]), check);
  }
  return { tiers: summary, faults, expected: options.expected?.size ?? null, lost: [] };
}

function missingSentence(cid: string, tier: string): string {
  return `The history places ${cid} in tier ${tier}, which does not hold it.`;
}
