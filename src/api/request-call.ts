import type { FastifyRequest } from 'fastify';
import type { CallContext } from './operation.js';

const CALLS = new WeakMap<FastifyRequest, CallContext>();

/** Records who makes `request`, once the server's access check admitted it. */
export function setCall(request: FastifyRequest, call: CallContext): void {
  CALLS.set(request, call);
}

/**
 * Who makes `request`. Every request passes the access check before any handler runs, so a
 * missing entry is a bug: it is refused as unauthenticated rather than run as nobody.
 */
export function callOf(request: FastifyRequest): CallContext {
  return CALLS.get(request) ?? { principal: undefined };
}
