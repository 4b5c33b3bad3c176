import { z } from 'zod';
import type { Access } from '../core/access.js';
import { eventStreamQuerySchema } from './schemas/events.js';
import { ingestQuerySchema, ingestReplySchema, uploadReplySchema } from './schemas/units.js';

/** A JSON Schema written out, for bodies zod does not describe (bytes, text). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One response of a route: a named schema (from src/api/schemas) or a JSON Schema, by media type. */
export interface RouteResponseDoc {
  readonly description: string;
  readonly content?: Readonly<Record<string, z.ZodType | JsonSchema>>;
}

/**
 * The OpenAPI description of a route registered outside the operation table (bytes, server-sent
 * events, metrics, the web app), so that `/api/openapi.json` covers every route the server has.
 */
export interface RouteDoc {
  readonly method: 'GET' | 'HEAD' | 'POST';
  /** As Fastify writes it: `/api/units/:cid/content`, `/assets/*`. */
  readonly path: string;
  /**
   * Who may use it (a role, or `public`): with the operations' own `access`, the one place that
   * decides access to every route (src/api/route-access.ts reads both).
   */
  readonly access: Access;
  readonly tag: string;
  readonly summary: string;
  readonly query?: z.ZodObject;
  /** Request headers the route reads, with what each means. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: { readonly required: boolean; readonly content: Record<string, JsonSchema> };
  readonly responses: Readonly<Record<number, RouteResponseDoc>>;
  /** False for routes that never answer with a problem document (the web app's files). */
  readonly problems?: boolean;
}

const bytes: JsonSchema = { type: 'string', contentMediaType: 'application/octet-stream' };

/** Every route of the HTTP server that is not an operation. */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  {
    method: 'POST',
    path: '/api/auth/sign-in',
    access: 'public',
    tag: 'auth',
    summary:
      'Sign in with a username and password: sets the session cookie cim_session (HttpOnly, SameSite=Lax) and the CSRF cookie cim_csrf, whose value every change must send as X-CSRF-Token.',
    body: {
      required: true,
      content: {
        'application/json': {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string' }, password: { type: 'string' } },
        },
      },
    },
    responses: {
      200: {
        description: 'Signed in: the principal and the CSRF token (also in cim_csrf).',
        content: {
          'application/json': {
            type: 'object',
            properties: { principal: { type: 'object' }, csrfToken: { type: 'string' } },
          },
        },
      },
      401: { description: 'Wrong username or password.' },
      429: { description: 'Too many failed sign-ins: retry after retryAfterSeconds.' },
    },
  },
  {
    method: 'POST',
    path: '/api/auth/sign-out',
    access: 'public',
    tag: 'auth',
    summary: 'End the browser’s session and clear its cookies (nothing to end is not an error).',
    responses: {
      200: {
        description: 'Signed out.',
        content: {
          'application/json': { type: 'object', properties: { ok: { type: 'boolean' } } },
        },
      },
    },
  },
  {
    method: 'POST',
    path: '/api/units',
    access: 'writer',
    tag: 'units',
    summary:
      'Upload content as units, streamed: one file as the raw body (with ?name=), or one or many as multipart/form-data.',
    query: ingestQuerySchema,
    body: {
      required: true,
      content: {
        'application/octet-stream': bytes,
        'multipart/form-data': { type: 'object', additionalProperties: bytes },
      },
    },
    responses: {
      201: {
        description:
          'Ingested: the unit for a raw body, one item per file for multipart/form-data.',
        content: { 'application/json': ingestReplySchema },
      },
      207: {
        description: 'Multipart/form-data with at least one file refused (its item says why).',
        content: { 'application/json': uploadReplySchema },
      },
    },
  },
  {
    method: 'HEAD',
    path: '/api/content/:cid',
    access: 'reader',
    tag: 'units',
    summary: 'Whether the node holds a content, so a client can skip uploading it.',
    responses: {
      200: { description: 'A tier holds the content.' },
      404: { description: 'No tier holds the content.' },
    },
  },
  {
    method: 'GET',
    path: '/api/units/:cid/content',
    access: 'reader',
    tag: 'units',
    summary: 'The bytes of a unit’s content, typed by its media type; a Range of them on request.',
    query: z.object({
      download: z.string().optional().describe('Present: served as an attachment.'),
    }),
    headers: { range: 'One byte range, `bytes=start-end`, `bytes=start-` or `bytes=-suffix`.' },
    responses: {
      200: { description: 'The whole content.', content: { '*/*': bytes } },
      206: { description: 'The range asked for.', content: { '*/*': bytes } },
      416: { description: 'The range lies outside the content.' },
    },
  },
  {
    method: 'GET',
    path: '/api/events/stream',
    access: 'reader',
    tag: 'events',
    summary: 'Live events after a position, as server-sent events (`id` is the position).',
    query: eventStreamQuerySchema,
    headers: { 'last-event-id': 'Where a reconnecting browser stopped; wins when later.' },
    responses: {
      200: {
        description: 'A stream of `event` messages, each a recorded event as JSON.',
        content: { 'text/event-stream': { type: 'string' } },
      },
    },
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    access: 'public',
    tag: 'node',
    summary: 'This document: the HTTP API as OpenAPI 3.1.',
    responses: {
      200: {
        description: 'The OpenAPI document.',
        content: { 'application/json': { type: 'object' } },
      },
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    access: 'reader',
    tag: 'node',
    summary: 'Prometheus metrics of this process.',
    responses: {
      200: {
        description: 'Metrics in the Prometheus text format.',
        content: { 'text/plain': { type: 'string' } },
      },
    },
    problems: false,
  },
  {
    method: 'GET',
    path: '/assets/*',
    access: 'public',
    tag: 'web',
    summary: 'The web app’s hashed assets, cached for a year (present once the app is built).',
    responses: {
      200: { description: 'The asset.', content: { '*/*': bytes } },
      404: { description: 'No such asset.' },
    },
    problems: false,
  },
  {
    method: 'GET',
    path: '/',
    access: 'public',
    tag: 'web',
    summary: 'The web app; every GET outside /api, /assets and /metrics answers with it too.',
    responses: {
      200: { description: 'The app’s page.', content: { 'text/html': { type: 'string' } } },
    },
    problems: false,
  },
];
