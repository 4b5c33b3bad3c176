import { UnavailableError } from '../../core/errors.js';

/**
 * How a JetStream write that gets no acknowledgement is retried. On a cluster a missing ack
 * means the stream is electing a leader (a member died) or has no quorum (a majority of its
 * replicas is unreachable); both look the same from the client, so the write is sent again,
 * unchanged (same `Nats-Msg-Id`, same expectations), until `deadlineMs`. Only writes that are
 * safe to repeat use it: each carries a message id the server deduplicates, or an expectation
 * a repeat would fail.
 */
export interface WriteRetry {
  /** The stream written to, for the sentence a caller sees. */
  readonly stream: string;
  /** Its replicas (from its configuration when opened), for the sentence a caller sees. */
  readonly replicas: number;
  /** How long one attempt waits for its ack. */
  readonly attemptMs: number;
  /** How long, from the first attempt, a write keeps being retried before it fails. */
  readonly deadlineMs: number;
}

/** Defaults: writers saw leader elections of 4.5-8.5 s on loopback (docs/scaling.md). */
export const WRITE_RETRY_DEFAULTS = { attemptMs: 2000, deadlineMs: 20_000 } as const;

/** Pause before attempt `n + 1`: short at first (an election may be over), then 1 s. */
export function retryPauseMs(attempt: number): number {
  return Math.min(1000, 100 * 2 ** attempt);
}

/**
 * The failure of a write that was not acknowledged before its deadline: on a replicated stream,
 * a lack of quorum; on a lone server, that server being unreachable.
 */
export function unacknowledgedError(
  retry: WriteRetry,
  waitedMs: number,
  cause: unknown,
): UnavailableError {
  const waited = `${Math.round(waitedMs / 100) / 10} s`;
  return new UnavailableError(
    retry.replicas > 1
      ? `${retry.stream} has no quorum (a majority of its ${retry.replicas} replicas is unreachable; no write acknowledged in ${waited}): writes resume when a member returns.`
      : `${retry.stream} acknowledged no write in ${waited} (its server is unreachable): writes resume when it returns.`,
    { cause },
  );
}
