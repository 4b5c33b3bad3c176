import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { InvalidInputError, NotFoundError, PortInUseError, TooLargeError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { Authentication } from '../auth/authentication.js';
import type { AuthService } from '../auth/auth-service.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../auth/session-authenticator.js';
import { registerSessionRoutes } from './session-routes.js';
import type { Dispatcher } from './dispatcher.js';
import { callOf, setCall } from './request-call.js';
import { accessOf, routeAccessTable, UNMATCHED_ACCESS } from './route-access.js';
import type { Metrics } from './metrics.js';
import type { AnyOperation } from './operation.js';
import type { UnitAccess } from './unit-access.js';
import { registerUnitRoutes } from './unit-routes.js';
import { registerWebApp } from './web-app.js';
import { registerSecurityHeaders } from './security-headers.js';
import { parseInput, toProblem } from './problem.js';
import { recordedToJson } from './operations/events.js';
import { buildOpenApiDocument } from './openapi.js';
import type { OpenApiDocument } from './openapi.js';
import { ROUTE_DOCS } from './route-docs.js';
import type { z } from 'zod';
import { eventStreamQuerySchema } from './schemas/events.js';

/** What the HTTP server needs. */
export interface HttpServerOptions {
  readonly operations: readonly AnyOperation[];
  /** CIM's version, for the OpenAPI document. */
  readonly version: string;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Local event store for the live stream; absent when the events component runs elsewhere. */
  readonly store?: EventStore;
  /** Largest JSON request body, in bytes. */
  readonly bodyLimit: number;
  /** Most files in one multipart upload (default 1000). */
  readonly maxUploadFiles?: number;
  /** Longest a whole request may take to arrive, in ms (0: no limit; default one hour). */
  readonly requestTimeoutMs?: number;
  /** A connection idle this long is closed, in ms (0: never; default ten minutes). */
  readonly idleTimeoutMs?: number;
  /** PEM certificate (chain) and key: serve HTTPS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Uploads and content: the units component here, or its stores over NATS (ui alone). */
  readonly units: UnitAccess;
  /** The built web app's folder (default: the one `npm run build` writes). */
  readonly webAppDir?: string;
  /** Who calls: every request is authenticated and checked against its route's access. */
  readonly authentication: Authentication;
  /** Sign-in and sessions, for the browser's sign-in and sign-out routes. */
  readonly auth: AuthService;
}

/** A route as Fastify registered it. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

const ROUTES = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Every route `buildHttpServer` registered on `app` (Fastify's HEAD twins of GET routes included),
 * once it is ready: what the OpenAPI document must cover.
 */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return ROUTES.get(app) ?? [];
}

function sendProblem(reply: FastifyReply, err: unknown, instance: string): FastifyReply {
  const problem = toProblem(err, instance);
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/**
 * A POST body with the route's path parameters (`/api/pipelines/:name/pause`) added; anything
 * but a JSON object is passed on untouched, for the operation's schema to refuse.
 */
function withPathParams(body: unknown, params: Record<string, string>): unknown {
  if (Object.keys(params).length === 0) return body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { ...body, ...params };
}

/** Fastify errors (bad JSON, body too large, …) as CIM errors. */
function fromFastifyError(error: unknown, size: number, limit: number): unknown {
  const err = error as { code?: string; statusCode?: number; message: string };
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new TooLargeError('The request body', size, limit);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidInputError(`The request could not be read: ${err.message}.`);
  }
  return error;
}

/**
 * Builds the HTTP API: one route per operation (query string for GET, JSON body for POST),
 * RFC 7807 problem documents for every error, `GET /metrics`, `GET /api/events/stream`
 * (server-sent events) for live views, `GET /api/openapi.json` describing all of them, and the
 * web app at `/`.
 */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const common = {
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? 3_600_000,
    connectionTimeout: options.idleTimeoutMs ?? 600_000,
  } as const;
  // Fastify types an HTTPS server apart; every route and hook here is the same for both.
  const app = (options.tls
    ? Fastify({ ...common, https: { ...options.tls } })
    : Fastify(common)) as unknown as FastifyInstance;
  registerSecurityHeaders(app, { tls: options.tls !== undefined });
  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  const access = routeAccessTable(options.operations);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // Fail closed: a route nobody gave an access to is not served at all.
      if (accessOf(access, method, route.url) === undefined)
        throw new Error(
          `${method} ${route.url} has no access: give its operation one, or list it in src/api/route-access.ts.`,
        );
      routes.push({ method, url: route.url });
    }
  });
  void app.register(cookie);
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    const needed =
      url === undefined ? UNMATCHED_ACCESS : (accessOf(access, request.method, url) ?? 'admin');
    const authorization = request.headers.authorization;
    // Read here: this hook may run before the cookie plugin's own, which fills request.cookies.
    const cookies = app.parseCookie(request.headers.cookie ?? '') as Record<string, string>;
    const session = cookies[SESSION_COOKIE];
    const safe = request.method === 'GET' || request.method === 'HEAD';
    const csrf = request.headers[CSRF_HEADER];
    try {
      const principal = await options.authentication.admit(
        {
          ...(authorization !== undefined ? { authorization } : {}),
          cookies,
          ...(safe ? {} : { csrfToken: typeof csrf === 'string' ? csrf : '' }),
        },
        needed,
        `${request.method} ${url ?? request.url.split('?')[0]}`,
      );
      // A browser's session goes on over NATS as `Session <id>`, as a token goes as `Bearer`.
      const credential = authorization ?? (principal && session ? `Session ${session}` : undefined);
      setCall(request, {
        principal,
        ...(credential !== undefined ? { credential } : {}),
        address: request.ip,
      });
    } catch (err) {
      return sendProblem(reply, err, request.url);
    }
  });
  app.setErrorHandler((err, request, reply) => {
    if (((err as { statusCode?: number }).statusCode ?? 500) >= 500) {
      options.logger.error({ err, url: request.url }, 'HTTP request failed');
    }
    return sendProblem(
      reply,
      fromFastifyError(err, Number(request.headers['content-length'] ?? 0), options.bodyLimit),
      request.url,
    );
  });
  const webApp = registerWebApp(app, options.webAppDir);
  app.setNotFoundHandler(
    (request, reply) =>
      webApp(request, reply) ??
      sendProblem(
        reply,
        new NotFoundError(
          `There is no ${request.method} ${request.url.split('?')[0]}: see docs/contracts.md for the API.`,
        ),
        request.url,
      ),
  );

  for (const operation of options.operations) {
    if (!operation.http) continue;
    const { method, path, status } = operation.http;
    const label = `${operation.component}.${operation.name}`;
    app.route({
      method,
      url: path,
      handler: async (request, reply) => {
        const end = options.metrics.duration.startTimer({ operation: label });
        const input =
          method === 'GET'
            ? { ...(request.query as object), ...(request.params as object) }
            : withPathParams(request.body ?? {}, request.params as Record<string, string>);
        try {
          const result = await options.dispatcher.invoke(operation, input, callOf(request));
          options.metrics.requests.inc({ operation: label, outcome: 'ok' });
          return reply.status(status ?? 200).send(result);
        } catch (err) {
          options.metrics.requests.inc({ operation: label, outcome: toProblem(err).code });
          return sendProblem(reply, err, request.url);
        } finally {
          end();
        }
      },
    });
  }

  registerUnitRoutes(app, options.units, sendProblem, options.maxUploadFiles ?? 1000, callOf);
  // Secure cookies exactly when the ui serves HTTPS: a browser would not send them over HTTP.
  registerSessionRoutes(app, options.auth, options.tls !== undefined, sendProblem);

  let openApi: OpenApiDocument | undefined;
  app.get('/api/openapi.json', async (_request, reply) =>
    reply.send((openApi ??= buildOpenApiDocument(options.operations, ROUTE_DOCS, options.version))),
  );

  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );

  app.get('/api/events/stream', async (request, reply) => {
    const store = options.store;
    if (!store)
      return sendProblem(
        reply,
        new NotFoundError('The live event stream is served where the events component runs.'),
        request.url,
      );
    let query: z.infer<typeof eventStreamQuerySchema>;
    try {
      query = parseInput(eventStreamQuerySchema, request.query, 'events stream');
    } catch (err) {
      return sendProblem(reply, err, request.url);
    }
    const { after: from, ...filter } = query;
    // A browser reconnecting by itself says where it stopped; it must not be sent everything again.
    const resumed = Number(request.headers['last-event-id']);
    const after = Number.isSafeInteger(resumed) && resumed > from ? resumed : from;
    const subscription = await store.subscribe({
      after,
      filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
    });
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write(': connected\n\n');
    const heartbeat = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      void subscription.stop();
    });
    for await (const recorded of subscription) {
      reply.raw.write(
        `id: ${recorded.position}\nevent: event\ndata: ${JSON.stringify(recordedToJson(recorded))}\n\n`,
      );
    }
    return reply;
  });

  return app;
}

/** Listens on `host:port`; a taken port is a PortInUseError. Returns the bound address. */
export async function listen(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(`${host}:${port}`, { cause: err });
    throw err;
  }
  const address = app.server.address();
  return { host, port: typeof address === 'object' && address !== null ? address.port : port };
}
