import type { RecordedEvent } from '../core/envelope.js';
import { retryPauseMs, unacknowledgedError } from '../nats/fast-path/index.js';
import { JetStreamApiCodes } from '../nats/api-error.js';
import type { AppendSettings, Steps } from './append-steps.js';
import { expectOutcome } from './append-steps.js';
import { untilAnswered } from './answered-publish.js';
import { findRecorded, storedDuplicate } from './recorded-lookup.js';
import type { Sealed } from './sealed-append.js';

/**
 * Decides what a refusal (10071) of a repeated publish means. A repeat is sent when the first
 * attempt got no ack, so the first may be stored, or held by a leader that cannot commit it
 * yet: nats-server 2.10 on a cluster checks the expected sequence before the message id and
 * counts writes in flight, so it refuses the repeat in both cases. Returns the event when it is
 * recorded (found, or stored by a later repeat); undefined when another writer moved the
 * aggregate (a real conflict); while nothing moved and the event is not visible, it waits and
 * repeats, and fails as having no quorum after the retry deadline. `after` is the stream
 * position the event was written after (its expected last subject sequence).
 */
export function* settleRepeat(
  item: Sealed,
  after: number,
  refusal: Error,
  settings: AppendSettings,
): Steps<RecordedEvent | undefined> {
  const { retry, now } = settings;
  const started = now();
  let last: Error = refusal;
  for (let attempt = 0; ; attempt++) {
    const read = expectOutcome(yield { kind: 'readHead' }, 'head', 'headUnavailable');
    if (read.kind === 'head') {
      const head = read.head;
      if ((head?.position ?? 0) !== after) {
        if (!head) return undefined;
        const own = yield* findRecorded(head, item.envelope.version - 1, [item.envelope]);
        return own?.[0];
      }
    } else {
      // Reads can fail too while the cluster has no quorum: that is the same wait.
      last = read.error;
    }
    if (now() - started >= retry.deadlineMs)
      throw unacknowledgedError(retry, now() - started, last);
    expectOutcome(yield { kind: 'pause', ms: retryPauseMs(attempt + 2) }, 'paused');
    const answer = yield* untilAnswered(item, after, settings);
    if (answer.kind === 'acked') {
      return answer.duplicate
        ? yield* storedDuplicate(item, answer.seq)
        : { event: item.envelope, cid: item.cid, position: answer.seq };
    }
    if (answer.kind === 'failed' || answer.code !== JetStreamApiCodes.StreamWrongLastSequence)
      throw answer.error;
    last = answer.error;
  }
}
