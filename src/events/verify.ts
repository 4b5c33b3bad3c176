import type { ChainProblem } from '../core/chain.js';
import { ChainVerifier } from '../core/chain.js';
import type { EventStore } from './event-store.js';

/**
 * A problem the verification found: in one event's chain, or in the stream as a whole (a run of
 * positions missing between two events, or the stream ending before a position a reader had
 * already read, as when a damaged block is cut off at the server's restart).
 */
export type EventProblem =
  | ChainProblem
  | {
      readonly position: number;
      readonly subject: string;
      readonly kind: 'position_gap' | 'truncated';
      readonly detail: string;
    };

/** The outcome of verifying the event stream. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly aggregates: number;
  /** The first problems found (at most `maxProblems`). */
  readonly problems: EventProblem[];
  /** Total problems found, including those not listed. */
  readonly problemCount: number;
}

/** A reader's mark: the last position it has read (a projection's checkpoint). */
export interface ReadMark {
  readonly name: string;
  readonly position: number;
}

/**
 * Recomputes every event CID and walks every aggregate's chain, from the first event to the end of
 * the stream as it stands when called, and checks that positions follow each other and reach
 * every position in `readMarks` (readers' checkpoints, kept outside the stream). `onProgress` is
 * called every 10,000 events. Only `scan` is used, so any source of stored events verifies the
 * same way (the hub's mirror of a leaf).
 */
export async function verifyEvents(
  store: Pick<EventStore, 'scan'>,
  options: {
    maxProblems?: number;
    onProgress?: (events: number) => void;
    readMarks?: readonly ReadMark[];
  } = {},
): Promise<VerifyReport> {
  const verifier = new ChainVerifier();
  const problems: EventProblem[] = [];
  const max = options.maxProblems ?? 100;
  let problemCount = 0;
  const report = (found: readonly EventProblem[]) => {
    problemCount += found.length;
    for (const p of found) if (problems.length < max) problems.push(p);
  };
  let last: number | undefined;
  for await (const msg of store.scan()) {
    if (last !== undefined && msg.position !== last + 1) {
      report([
        {
          position: last + 1,
          subject: '',
          kind: 'position_gap',
          detail: `positions ${last + 1} to ${msg.position - 1} are missing from the stream`,
        },
      ]);
    }
    last = msg.position;
    report(verifier.accept(msg.position, msg.subject, msg.body, msg.headerCid));
    if (options.onProgress && verifier.stats.events % 10_000 === 0)
      options.onProgress(verifier.stats.events);
  }
  const end = last ?? 0;
  for (const mark of options.readMarks ?? []) {
    if (mark.position <= end) continue;
    report([
      {
        position: end + 1,
        subject: '',
        kind: 'truncated',
        detail: `the stream ends at position ${end}, but ${mark.name} had read up to ${mark.position}: events ${end + 1} to ${mark.position} are gone`,
      },
    ]);
  }
  return { ok: problemCount === 0, ...verifier.stats, problems, problemCount };
}
