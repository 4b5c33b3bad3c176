import { IntegrityError, toCimError } from '../core/errors.js';
import type { StorageTier } from './tiers/storage-tier.js';

/** One object `verify` found wrong. */
export interface VerifyFault {
  readonly tier: string;
  readonly cid: string;
  readonly error: string;
}

/** What `verify` checked. */
export interface VerifyReport {
  readonly tiers: readonly { name: string; checked: number; bytes: number; faults: number }[];
  readonly faults: readonly VerifyFault[];
}

/** Objects verified at once by `verify`. */
const VERIFY_CONCURRENCY = 4;

/** Reads a stream to its end (verifying it, for verified streams); its length. */
export async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.byteLength;
  return bytes;
}

/**
 * Reads and hashes every object of `tiers` (a few at once), reporting each one that is missing,
 * unreadable or corrupted, and a tier that cannot be listed; `onProgress` is called after each
 * object with the number checked so far.
 */
export async function verifyTiers(
  tiers: readonly StorageTier[],
  onProgress: (checked: number) => void = () => undefined,
): Promise<VerifyReport> {
  const faults: VerifyFault[] = [];
  const summary: { name: string; checked: number; bytes: number; faults: number }[] = [];
  let total = 0;
  for (const tier of tiers) {
    const row = { name: tier.name, checked: 0, bytes: 0, faults: 0 };
    summary.push(row);
    const inFlight = new Set<Promise<void>>();
    const check = async (cid: string) => {
      try {
        const object = await tier.get(cid);
        if (!object) throw new IntegrityError(`${cid} is listed in tier ${tier.name} but gone.`);
        row.bytes += await drain(object.stream());
      } catch (err) {
        row.faults++;
        faults.push({ tier: tier.name, cid, error: toCimError(err).message });
      }
      row.checked++;
      onProgress(++total);
    };
    try {
      for await (const entry of tier.list()) {
        while (inFlight.size >= VERIFY_CONCURRENCY) await Promise.race(inFlight);
        const job: Promise<void> = check(entry.cid).finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
    } catch (err) {
      faults.push({ tier: tier.name, cid: '', error: toCimError(err).message });
      row.faults++;
    }
    await Promise.all(inFlight);
  }
  return { tiers: summary, faults };
}
