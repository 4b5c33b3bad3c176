import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { UnavailableError } from '../core/errors.js';
import { ReplyMux } from './reply-mux.js';

/** A JetStream publish acknowledgement. */
export interface Ack {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

/** The server refused a publish (a JetStream API error). */
export class PublishRefusedError extends Error {
  constructor(
    readonly errCode: number,
    description: string,
  ) {
    super(description);
    this.name = 'PublishRefusedError';
  }
}

interface AckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { err_code?: number; description?: string };
}

/** Reads a JetStream publish reply: the ack, or the refusal or unavailability it reports. */
function ackOf(msg: Msg): Ack {
  if (msg.headers?.hasError || msg.data.length === 0) {
    const status = msg.headers?.code ?? 0;
    throw new UnavailableError(
      status === 503
        ? 'No JetStream stream answers for this subject: is the node provisioned?'
        : `JetStream answered ${status} ${msg.headers?.description ?? ''}.`,
    );
  }
  const body = msg.json<AckBody>();
  if (body.error) {
    throw new PublishRefusedError(body.error.err_code ?? 0, body.error.description ?? 'refused');
  }
  return { stream: body.stream ?? '', seq: body.seq ?? 0, duplicate: body.duplicate === true };
}

/**
 * Publishes to JetStream through the connection's {@link ReplyMux} instead of a request per
 * message as `js.publish` does. Semantics are the same: a publish resolves with the server's ack,
 * rejects with the server's refusal ({@link PublishRefusedError}), or rejects as unavailable when
 * no ack arrives in time (the caller may retry with the same message id).
 */
export class AckPublisher {
  /** Publishes over `mux`, by default the connection's shared one. */
  constructor(
    nc: NatsConnection,
    private readonly mux: ReplyMux = ReplyMux.of(nc),
  ) {}

  /** Publishes and resolves with the ack. */
  publish(subject: string, data: Uint8Array | string, headers?: MsgHdrs): Promise<Ack> {
    return this.mux.request(subject, data, headers).then(ackOf);
  }
}
