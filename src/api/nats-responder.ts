import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/nats-core';
import { Svcm } from '@nats-io/services';
import type { Service, ServiceMsg } from '@nats-io/services';
import type { Logger } from 'pino';
import { apiSubject } from '../core/subjects.js';
import type { Authentication } from '../auth/authentication.js';
import type { AnyOperation, OperationContext } from './operation.js';
import { parseInput, toProblem } from './problem.js';
import { AUTHORIZATION_HEADER } from './dispatcher.js';
import type { NatsReply } from './dispatcher.js';

/** Queue group shared by every process serving the same API, so each request is answered once. */
export const API_QUEUE = 'cim-api';

/** NATS services this process runs; stop them on shutdown. */
export interface NatsApi {
  /** Subjects served, by component. */
  readonly endpoints: ReadonlyMap<string, readonly string[]>;
  stop(): Promise<void>;
}

/**
 * Serves operations on NATS request/reply with the same handler as HTTP, as one NATS service
 * (`cim-<component>`) per component, so `$SRV.PING|INFO|STATS` discover every component and its
 * endpoints. Request body: the input as JSON (empty for none); header `Authorization` the
 * caller's credential, authenticated here as on HTTP (never a principal the caller asserts).
 * Reply: `{"result":…}` or `{"error":<problem document>}` (401/403 problems for refused calls).
 */
export async function serveOnNats(
  nc: NatsConnection,
  operations: readonly AnyOperation[],
  ctx: OperationContext,
  authentication: Authentication,
  logger: Logger,
): Promise<NatsApi> {
  const svcm = new Svcm(nc as ConstructorParameters<typeof Svcm>[0]);
  const byComponent = new Map<string, AnyOperation[]>();
  for (const op of operations)
    byComponent.set(op.component, [...(byComponent.get(op.component) ?? []), op]);
  const services: Service[] = [];
  const endpoints = new Map<string, string[]>();
  try {
    for (const [component, ops] of byComponent) {
      const service = await svcm.add({
        name: `cim-${component}`,
        version: ctx.version,
        description: `CIM ${component} component`,
        metadata: { host: hostname(), pid: String(process.pid) },
        queue: API_QUEUE,
      });
      services.push(service);
      for (const operation of ops) {
        const subject = apiSubject(operation.component, operation.name);
        service.addEndpoint(operation.name, {
          subject,
          handler: (err, msg) => {
            if (err) {
              logger.error({ err, operation: operation.name }, 'NATS API endpoint failed');
              return;
            }
            void answer(operation, msg, ctx, authentication);
          },
        });
      }
      endpoints.set(
        component,
        ops.map((op) => apiSubject(op.component, op.name)),
      );
    }
  } catch (err) {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    throw err;
  }
  return {
    endpoints,
    async stop() {
      await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    },
  };
}

async function answer(
  operation: AnyOperation,
  msg: ServiceMsg,
  ctx: OperationContext,
  authentication: Authentication,
) {
  let reply: NatsReply;
  try {
    const authorization = msg.headers?.get(AUTHORIZATION_HEADER) || undefined;
    const where = `${operation.component}.${operation.name}`;
    const principal = await authentication.admit(
      authorization !== undefined ? { authorization } : {},
      operation.access,
      where,
    );
    const raw: unknown = msg.data.length === 0 ? {} : msg.json();
    const input = parseInput(operation.input, raw, where);
    reply = {
      result: await operation.handle(input, ctx, {
        principal,
        ...(authorization !== undefined ? { credential: authorization } : {}),
      }),
    };
  } catch (error) {
    reply = { error: toProblem(error) };
  }
  msg.respond(JSON.stringify(reply));
}
