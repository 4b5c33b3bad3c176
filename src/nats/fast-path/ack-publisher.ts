import type { ApiError } from '@nats-io/jetstream';
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../../core/errors.js';
import { JetStreamApiError } from '../api-error.js';
import { ReplyMux } from './reply-mux.js';
import type { WriteRetry } from './write-retry.js';
import { retryPauseMs, unacknowledgedError } from './write-retry.js';

/** A JetStream publish acknowledgement. */
export interface Ack {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

/**
 * The server refused a publish: the client's own `JetStreamApiError` (its `code` is the API error
 * code, recognised with `isApiError`), which also says whether it answered a repeat.
 */
export class PublishRefusedError extends JetStreamApiError {
  /**
   * True when this refusal answered a repeat of a write whose first attempt got no ack: the
   * first may have landed, so an expectation failing (10071) may be the write's own doing.
   */
  retried = false;
  constructor(error: ApiError) {
    super(error);
    this.name = 'PublishRefusedError';
  }
}

interface AckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

/**
 * JetStream's refusal of a repeat whose first copy a stream leader holds but has not committed
 * (no quorum yet): nats-server 2.11+ answers so (409, "duplicate message id is in process")
 * where 2.10 answered a duplicate at sequence 0. Either is no acknowledgement: the repeat waits.
 */
const DUPLICATE_IN_PROCESS = 10158;

function notStoredYet(): UnavailableError {
  return new UnavailableError(
    'JetStream holds an earlier copy of this message but has not stored it yet.',
  );
}

/**
 * Reads a JetStream publish reply: the ack as it came, or the refusal or unavailability it
 * reports. "No responders" (no stream leader took the message) and refusals marked 503 (10008,
 * "JetStream system temporarily unavailable", while a cluster regains its footing) are
 * unavailability, which clears by itself, as a missing ack does, and so is a repeat refused as
 * "in process" (see {@link DUPLICATE_IN_PROCESS}). A duplicate at sequence 0 is returned as it
 * came: what it means is the caller's (see {@link AckPublisher}).
 */
export function publishReplyOf(msg: Msg): Ack {
  if (msg.headers?.hasError || msg.data.length === 0) {
    const status = msg.headers?.code ?? 0;
    throw new UnavailableError(
      status === 503
        ? 'No JetStream stream answers for this subject: is the node provisioned?'
        : `JetStream answered ${status} ${msg.headers?.description ?? ''}.`,
    );
  }
  const body = msg.json<AckBody>();
  if (body.error?.code === 503)
    throw new UnavailableError(`JetStream answered: ${body.error.description ?? 'unavailable'}.`);
  if (body.error?.err_code === DUPLICATE_IN_PROCESS) throw notStoredYet();
  if (body.error) {
    throw new PublishRefusedError({
      code: body.error.code ?? 0,
      err_code: body.error.err_code ?? 0,
      description: body.error.description ?? 'refused',
    });
  }
  return { stream: body.stream ?? '', seq: body.seq ?? 0, duplicate: body.duplicate === true };
}

function ackOf(msg: Msg): Ack {
  const ack = publishReplyOf(msg);
  // A cluster's stream leader answers a repeat of a message it holds but has not committed
  // (no quorum yet) as a duplicate at sequence 0: that is no acknowledgement, the repeat waits.
  if (ack.duplicate && !ack.seq) throw notStoredYet();
  return ack;
}

/**
 * Publishes to JetStream through the connection's {@link ReplyMux} instead of a request per
 * message as `js.publish` does. Semantics are the same: a publish resolves with the server's ack,
 * rejects with the server's refusal ({@link PublishRefusedError}), or rejects as unavailable when
 * no ack arrives in time. With a {@link WriteRetry}, a publish that gets no ack (or "no
 * responders", as during a leader election) is sent again unchanged until the retry's deadline,
 * and then fails with a sentence saying the stream has no quorum.
 */
export class AckPublisher {
  /** Publishes over `mux`, by default the connection's shared one; retries with `retry`. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly mux: ReplyMux = ReplyMux.of(nc),
    private readonly retry?: WriteRetry,
  ) {}

  /** Publishes and resolves with the ack. */
  publish(subject: string, data: Uint8Array | string, headers?: MsgHdrs): Promise<Ack> {
    const retry = this.retry;
    if (retry === undefined) return this.mux.request(subject, data, headers).then(ackOf);
    // The first attempt settles without extra async frames on success (the hot path).
    const started = Date.now();
    return this.mux.request(subject, data, headers, retry.attemptMs).then(
      (msg) => {
        try {
          return ackOf(msg);
        } catch (err) {
          if (!(err instanceof UnavailableError)) throw err;
          return this.again(retry, started, subject, data, headers, err);
        }
      },
      (err: unknown) => this.again(retry, started, subject, data, headers, err),
    );
  }

  private async again(
    retry: WriteRetry,
    started: number,
    subject: string,
    data: Uint8Array | string,
    headers: MsgHdrs | undefined,
    first: unknown,
  ): Promise<Ack> {
    let last = first;
    for (let attempt = 0; ; attempt++) {
      if (!(last instanceof UnavailableError) || this.nc.isClosed()) throw last;
      const pause = retryPauseMs(attempt);
      if (Date.now() + pause - started >= retry.deadlineMs)
        throw unacknowledgedError(retry, Date.now() - started, last);
      await sleep(pause);
      try {
        return ackOf(await this.mux.request(subject, data, headers, retry.attemptMs));
      } catch (err) {
        // A refusal now may answer a first attempt that landed: the caller checks.
        if (err instanceof PublishRefusedError) err.retried = true;
        last = err;
      }
    }
  }
}
