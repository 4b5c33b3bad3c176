import type { MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import { createInbox } from '@nats-io/nats-core';
import { UnavailableError } from '../core/errors.js';

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

interface Pending {
  readonly resolve: (ack: Ack) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
}

interface AckBody {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { err_code?: number; description?: string };
}

/**
 * Publishes to JetStream with one long-lived reply subscription and one sweep timer, instead of a
 * request (inbox registration, timer, deferred and error objects) per message as `js.publish`
 * does: on the append path that bookkeeping cost more than the message itself. Semantics are the
 * same: a publish resolves with the server's ack, rejects with the server's refusal, or rejects
 * as unavailable when no ack arrives in time (the caller may retry with the same message id).
 */
export class AckPublisher {
  private readonly prefix = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private counter = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {
    this.subscription = nc.subscribe(`${this.prefix}.*`, {
      callback: (err, msg) => {
        if (err) return;
        const token = msg.subject.slice(this.prefix.length + 1);
        const entry = this.pending.get(token);
        if (!entry) return;
        this.pending.delete(token);
        if (msg.headers?.hasError || msg.data.length === 0) {
          const status = msg.headers?.code ?? 0;
          entry.reject(
            new UnavailableError(
              status === 503
                ? 'No JetStream stream answers for this subject: is the node provisioned?'
                : `JetStream answered ${status} ${msg.headers?.description ?? ''}.`,
            ),
          );
          return;
        }
        const body = msg.json<AckBody>();
        if (body.error)
          entry.reject(
            new PublishRefusedError(body.error.err_code ?? 0, body.error.description ?? 'refused'),
          );
        else
          entry.resolve({
            stream: body.stream ?? '',
            seq: body.seq ?? 0,
            duplicate: body.duplicate === true,
          });
      },
    });
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, timeoutMs)).unref();
  }

  /** Publishes and resolves with the ack. */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<Ack> {
    const token = (this.counter++).toString(36);
    return new Promise<Ack>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
      } catch (err) {
        this.pending.delete(token);
        reject(err as Error);
      }
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, entry] of this.pending) {
      if (entry.deadline > now) continue;
      this.pending.delete(token);
      entry.reject(new UnavailableError(`No acknowledgement within ${this.timeoutMs} ms.`));
    }
  }

  /** Stops listening; pending publishes are rejected. */
  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const entry of this.pending.values())
      entry.reject(new UnavailableError('The publisher was closed.'));
    this.pending.clear();
  }
}
