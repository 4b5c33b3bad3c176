import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from '../core/envelope.js';
import { UnavailableError } from '../core/errors.js';
import { isApiError, JetStreamApiCodes } from '../nats/api-error.js';
import type { PublishRefusedError } from '../nats/fast-path/index.js';
import type { WriteRetry } from '../nats/fast-path/index.js';
import { retryPauseMs, unacknowledgedError } from '../nats/fast-path/index.js';
import type { AggregateHead } from './event-store.js';

/** What {@link settleRepeat} needs from the store, for one event of one aggregate. */
export interface RepeatedWrite {
  /** The stream position the event was written after (its expected last subject sequence). */
  readonly after: number;
  readonly retry: WriteRetry;
  head(): Promise<AggregateHead | undefined>;
  /** The event itself in the aggregate, if it is there. */
  findOwn(head: AggregateHead): Promise<RecordedEvent | undefined>;
  /** Publishes the event once more (the same message). */
  publishAgain(): Promise<RecordedEvent>;
}

/**
 * Decides what a refusal (10071) of a repeated publish means. A repeat is sent when the first
 * attempt got no ack, so the first may be stored, or held by a leader that cannot commit it
 * yet: nats-server 2.10 on a cluster checks the expected sequence before the message id and
 * counts writes in flight, so it refuses the repeat in both cases. Returns the event when it is
 * recorded (found, or stored by a later repeat); undefined when another writer moved the
 * aggregate (a real conflict); while nothing moved and the event is not visible, it waits and
 * repeats, and fails as having no quorum after the retry deadline.
 */
export async function settleRepeat(
  write: RepeatedWrite,
  refusal: PublishRefusedError,
): Promise<RecordedEvent | undefined> {
  const started = Date.now();
  let last: Error = refusal;
  for (let attempt = 0; ; attempt++) {
    try {
      const head = await write.head();
      if ((head?.position ?? 0) !== write.after) return head ? write.findOwn(head) : undefined;
    } catch (err) {
      // Reads can fail too while the cluster has no quorum: that is the same wait.
      if (!(err instanceof UnavailableError)) throw err;
      last = err;
    }
    if (Date.now() - started >= write.retry.deadlineMs)
      throw unacknowledgedError(write.retry, Date.now() - started, last);
    await sleep(retryPauseMs(attempt + 2));
    try {
      return await write.publishAgain();
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamWrongLastSequence)) throw err;
      last = err;
    }
  }
}
