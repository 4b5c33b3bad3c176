import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { apiSubject } from '../core/subjects.js';
import type { AnyOperation, OperationContext } from './operation.js';
import { parseInput, toProblem } from './problem.js';
import type { NatsReply } from './dispatcher.js';

/** Queue group shared by every process serving the same API, so each request is answered once. */
export const API_QUEUE = 'cim-api';

/**
 * Serves operations on NATS request/reply, one subscription per operation, with the same handler
 * as HTTP. Request body: the input as JSON (empty for none). Reply: `{"result":…}` or
 * `{"error":<problem document>}`.
 */
export function serveOnNats(
  nc: NatsConnection,
  operations: readonly AnyOperation[],
  ctx: OperationContext,
  logger: Logger,
): Subscription[] {
  return operations.map((operation) =>
    nc.subscribe(apiSubject(operation.component, operation.name), {
      queue: API_QUEUE,
      callback: (err, msg) => {
        if (err) {
          logger.error({ err, operation: operation.name }, 'NATS API subscription failed');
          return;
        }
        void (async () => {
          let reply: NatsReply;
          try {
            const raw: unknown = msg.data.length === 0 ? {} : msg.json();
            const input = parseInput(
              operation.input,
              raw,
              `${operation.component}.${operation.name}`,
            );
            reply = { result: await operation.handle(input, ctx) };
          } catch (error) {
            reply = { error: toProblem(error) };
          }
          msg.respond(JSON.stringify(reply));
        })();
      },
    }),
  );
}
