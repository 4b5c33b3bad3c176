import type { ChainProblem } from '../core/chain.js';
import { ChainVerifier } from '../core/chain.js';
import type { EventStore } from './event-store.js';

/** The outcome of verifying the event stream. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly aggregates: number;
  /** The first problems found (at most `maxProblems`). */
  readonly problems: ChainProblem[];
  /** Total problems found, including those not listed. */
  readonly problemCount: number;
}

/**
 * Recomputes every event CID and walks every aggregate's chain, from the first event to the end of
 * the stream as it stands when called. `onProgress` is called every 10,000 events. Only `scan` is
 * used, so any source of stored events verifies the same way (the hub's mirror of a leaf).
 */
export async function verifyEvents(
  store: Pick<EventStore, 'scan'>,
  options: { maxProblems?: number; onProgress?: (events: number) => void } = {},
): Promise<VerifyReport> {
  const verifier = new ChainVerifier();
  const problems: ChainProblem[] = [];
  const max = options.maxProblems ?? 100;
  let problemCount = 0;
  for await (const msg of store.scan()) {
    const found = verifier.accept(msg.position, msg.subject, msg.body, msg.headerCid);
    problemCount += found.length;
    for (const p of found) if (problems.length < max) problems.push(p);
    if (options.onProgress && verifier.stats.events % 10_000 === 0)
      options.onProgress(verifier.stats.events);
  }
  return { ok: problemCount === 0, ...verifier.stats, problems, problemCount };
}
