import { UnavailableError } from '../core/errors.js';
import { retryPauseMs, unacknowledgedError } from '../nats/fast-path/index.js';
import type { AppendSettings, Steps } from './append-steps.js';
import { expectOutcome } from './append-steps.js';
import type { Sealed } from './sealed-append.js';

/** How one event's publish ended, after its repeats. */
export type PublishAnswer =
  | { readonly kind: 'acked'; readonly seq: number; readonly duplicate: boolean }
  /** `retried`: the refusal answered a repeat, so the first attempt may have landed. */
  | {
      readonly kind: 'refused';
      readonly code: number;
      readonly error: Error;
      readonly retried: boolean;
    }
  /** No answer before the deadline (the no-quorum sentence), or a failure a repeat cannot mend. */
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * Publishes one event until the server answers. A publish that gets no ack, or "no responders"
 * (a leader election on a cluster), is sent again unchanged (same message id, same expected
 * sequence) after a pause, until `retry.deadlineMs` from the first attempt; then it fails with
 * the sentence saying the stream has no quorum. A duplicate at sequence 0 is no ack either: a
 * cluster's stream leader answers so for a message it holds but has not committed (no quorum
 * yet), so the repeat waits.
 */
export function* untilAnswered(
  item: Sealed,
  after: number,
  settings: AppendSettings,
): Steps<PublishAnswer> {
  const { retry, now } = settings;
  const started = now();
  let outcome = expectOutcome(
    yield { kind: 'publish', item, after },
    'acked',
    'refused',
    'unanswered',
    'failed',
  );
  for (let attempt = 0; ; attempt++) {
    let last: UnavailableError;
    if (outcome.kind === 'acked') {
      if (!outcome.duplicate || outcome.seq !== 0) return outcome;
      last = new UnavailableError(
        'JetStream holds an earlier copy of this message but has not stored it yet.',
      );
    } else if (outcome.kind === 'refused') {
      return { ...outcome, retried: attempt > 0 };
    } else if (outcome.kind === 'failed' || outcome.closed) {
      return { kind: 'failed', error: outcome.error };
    } else {
      last = outcome.error;
    }
    const pause = retryPauseMs(attempt);
    if (now() + pause - started >= retry.deadlineMs)
      return { kind: 'failed', error: unacknowledgedError(retry, now() - started, last) };
    expectOutcome(yield { kind: 'pause', ms: pause }, 'paused');
    outcome = expectOutcome(
      yield { kind: 'publish', item, after },
      'acked',
      'refused',
      'unanswered',
      'failed',
    );
  }
}
