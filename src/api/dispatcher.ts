import { headers } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ErrorCode } from '../core/errors.js';
import { CimError, UnavailableError } from '../core/errors.js';
import { apiSubject } from '../core/subjects.js';
import type { AnyOperation, CallContext, OperationContext } from './operation.js';
import { parseInput } from './problem.js';
import type { Problem } from './problem.js';

/** The NATS request header carrying the caller's credential, as on HTTP. */
export const AUTHORIZATION_HEADER = 'Authorization';

/** The reply body of a NATS API call: a result, or a problem document. */
export type NatsReply = { result: unknown } | { error: Problem };

/** An error a component returned over NATS, keeping its problem document's extra members. */
export class RemoteError extends CimError {
  readonly extensions: Record<string, unknown>;
  constructor(problem: Problem) {
    super(problem.code as ErrorCode, problem.detail);
    const {
      type: _t,
      title: _ti,
      status: _s,
      detail: _d,
      code: _c,
      instance: _i,
      ...extensions
    } = problem;
    this.extensions = extensions;
  }
}

/**
 * Runs operations: in process when this process runs the operation's component, otherwise as a
 * NATS request to `cim.api.<component>.<operation>`, so the HTTP layer works the same whether the
 * node runs as one process or as one container per component.
 */
export class Dispatcher {
  private readonly local: ReadonlySet<string>;

  constructor(
    private readonly ctx: OperationContext,
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 30_000,
  ) {
    this.local = new Set([...ctx.components, 'node']);
  }

  /** True when `operation` runs in this process. */
  isLocal(operation: AnyOperation): boolean {
    return this.local.has(operation.component);
  }

  /**
   * Validates `input` and runs the operation for `call` (already admitted by the entry point),
   * here or on the component that owns it. Over NATS the caller's credential goes along in the
   * `Authorization` header: that component authenticates the caller itself.
   */
  async invoke(operation: AnyOperation, input: unknown, call: CallContext): Promise<unknown> {
    if (this.isLocal(operation)) {
      const parsed = parseInput(operation.input, input, `${operation.component}.${operation.name}`);
      return operation.handle(parsed, this.ctx, call);
    }
    const subject = apiSubject(operation.component, operation.name);
    let reply: NatsReply;
    try {
      const h = headers();
      if (call.credential !== undefined) h.set(AUTHORIZATION_HEADER, call.credential);
      const msg = await this.nc.request(subject, JSON.stringify(input ?? {}), {
        timeout: this.timeoutMs,
        headers: h,
      });
      reply = msg.json<NatsReply>();
    } catch (err) {
      throw new UnavailableError(
        `The ${operation.component} component did not answer on ${subject}: check that it is running.`,
        { cause: err },
      );
    }
    if ('error' in reply) throw new RemoteError(reply.error);
    return reply.result;
  }
}
