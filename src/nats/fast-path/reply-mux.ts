import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import { createInbox } from '@nats-io/nats-core';
import { UnavailableError } from '../../core/errors.js';
import { clientInternalsInUse } from './install.js';
import { plainHeaders } from './outgoing-headers.js';

interface Pending {
  readonly resolve: (msg: Msg) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
  readonly timeoutMs: number;
}

const muxes = new WeakMap<NatsConnection, ReplyMux>();

/**
 * Request/reply over one long-lived reply subscription and one sweep timer per connection.
 *
 * The client's `request` (and `js.publish`, direct gets and KV calls, which use it) registers an
 * inbox entry, a timer, a deferred and, on every completed request, an error object with a stack
 * trace; on the ingest and pipeline paths that bookkeeping cost more CPU than the messages. Here
 * a request is a map entry and a publish. A request that gets no reply in time rejects as
 * unavailable; what a reply means (an ack, a refusal, a stored message, a 404) is the caller's.
 */
export class ReplyMux {
  private readonly prefix = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private counter = 0;
  private closed = false;

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
        entry.resolve(msg);
      },
    });
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, timeoutMs)).unref();
  }

  /** The connection's shared mux (10 s timeout), created on first use. */
  static of(nc: NatsConnection): ReplyMux {
    let mux = muxes.get(nc);
    if (mux === undefined || mux.closed) {
      mux = new ReplyMux(nc);
      muxes.set(nc, mux);
    }
    return mux;
  }

  /**
   * Sends `data` to `subject` and resolves with the first reply; `timeoutMs` (default the mux's)
   * is checked by a sweep about once a second.
   */
  request(
    subject: string,
    data: Uint8Array | string,
    headers?: MsgHdrs,
    timeoutMs = this.timeoutMs,
  ): Promise<Msg> {
    const token = (this.counter++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs, timeoutMs });
      try {
        this.nc.publish(subject, data, {
          reply: `${this.prefix}.${token}`,
          ...(headers ? { headers: clientInternalsInUse() ? headers : plainHeaders(headers) } : {}),
        });
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
      entry.reject(new UnavailableError(`No reply from NATS within ${entry.timeoutMs} ms.`));
    }
  }

  /** Stops listening; pending requests are rejected. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const entry of this.pending.values())
      entry.reject(new UnavailableError('The connection to NATS was closed.'));
    this.pending.clear();
  }
}
