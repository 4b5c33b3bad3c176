import type { RecordedEvent } from '../core/envelope.js';
import type { UnavailableError } from '../core/errors.js';
import { InternalError } from '../core/errors.js';
import type { WriteRetry } from '../nats/fast-path/index.js';
import type { AggregateHead, AppendResult } from './event-store.js';
import type { Sealed } from './sealed-append.js';

/**
 * What the append protocol asks its adapter to do next, for the one aggregate it appends to.
 * Each step is answered by one {@link AppendOutcome}.
 */
export type AppendStep =
  /** Send one event once, expecting the aggregate's last event at stream position `after`. */
  | { readonly kind: 'publish'; readonly item: Sealed; readonly after: number }
  /** Drop the cached head of the aggregate (it proved stale); answered `forgotten`. */
  | { readonly kind: 'forgetHead' }
  /** Read the aggregate's head from the stream; answered `head` or `headUnavailable`. */
  | { readonly kind: 'readHead' }
  /** The aggregate's events from stream position `from` back to `fromVersion`; `events`. */
  | { readonly kind: 'readBack'; readonly from: number; readonly fromVersion: number }
  /** The event stored at a stream position (a duplicate's original); answered `stored`. */
  | { readonly kind: 'readStored'; readonly position: number }
  /** Wait before the next attempt; answered `paused`. */
  | { readonly kind: 'pause'; readonly ms: number };

/** The steps an adapter performs against its server: all but `forgetHead`, which is local. */
export type ServerStep = Exclude<AppendStep, { kind: 'forgetHead' }>;

/** What came of a step. Failures of reads other than these are thrown by the adapter. */
export type AppendOutcome =
  /** The server acknowledged a publish (`duplicate`: it already held the message id). */
  | { readonly kind: 'acked'; readonly seq: number; readonly duplicate: boolean }
  /** The server refused a publish with JetStream error `code` (10071: wrong last sequence). */
  | { readonly kind: 'refused'; readonly code: number; readonly error: Error }
  /**
   * No ack in time, "no responders" or a 503: the write may or may not have landed. `closed`:
   * the connection is closed, so no repeat can help.
   */
  | { readonly kind: 'unanswered'; readonly error: UnavailableError; readonly closed: boolean }
  /** The publish failed otherwise (it was not sent). */
  | { readonly kind: 'failed'; readonly error: Error }
  | { readonly kind: 'forgotten' }
  | { readonly kind: 'head'; readonly head: AggregateHead | undefined }
  /** The head could not be read now (a cluster without a stream leader). */
  | { readonly kind: 'headUnavailable'; readonly error: UnavailableError }
  | { readonly kind: 'events'; readonly events: readonly RecordedEvent[] }
  | { readonly kind: 'stored'; readonly event: RecordedEvent | undefined }
  | { readonly kind: 'paused' };

/** How an append ended well: its result, and the head to remember (none: leave the cache). */
export interface AppendDecision {
  readonly result: AppendResult;
  readonly head: AggregateHead | undefined;
}

/** What the protocol is given besides the command: limits, retry timing and a clock. */
export interface AppendSettings {
  readonly maxEventBytes: number;
  readonly retry: WriteRetry;
  /** Milliseconds since the epoch; injected so the protocol's timing can be tested. */
  readonly now: () => number;
}

/**
 * A run of the protocol: each `next(outcome)` returns the next step, or the decision when done;
 * a failed append (conflict, unavailable, bad input) is thrown from `next`.
 */
export type Steps<T> = Generator<AppendStep, T, AppendOutcome>;

/** The one outcome a step of `kind` can have: anything else is a broken adapter. */
export function expectOutcome<K extends AppendOutcome['kind']>(
  outcome: AppendOutcome,
  ...kinds: K[]
): Extract<AppendOutcome, { kind: K }> {
  if (!(kinds as string[]).includes(outcome.kind)) {
    throw new InternalError(
      `The append protocol expected ${kinds.join(' or ')}, not ${outcome.kind}.`,
    );
  }
  return outcome as Extract<AppendOutcome, { kind: K }>;
}
