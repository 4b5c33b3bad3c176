import { z } from 'zod';
import { actorOf, defineOperation } from '../operation.js';
import type { RecordedEventJson } from '../schemas/events.js';
import {
  appendReplySchema,
  eventPageSchema,
  eventsVerifyReportSchema,
  jsonValueSchema,
} from '../schemas/events.js';
import { eventTypeOf } from '../../core/catalogue/catalogue.js';
import type { RecordedEvent } from '../../core/envelope.js';
import { describeIssue, firstIssue } from '../../core/zod-issue.js';
import { verifyEvents } from '../../events/verify.js';

const token = z.string().min(1).max(128);
const position = z.coerce.number().int().min(0);

/** JSON shape of a recorded event in API replies. */
export function recordedToJson(e: RecordedEvent): RecordedEventJson {
  return { position: e.position, cid: e.cid, ...e.event };
}

/**
 * `GET /api/events?after&limit&tail&domain&aggregate&aggregateId`: a page of the stream, with
 * `end`, the stream's last position.
 */
export const listEvents = defineOperation({
  component: 'events',
  name: 'list',
  summary: 'A page of events after a position, oldest first.',
  access: 'reader',
  http: { method: 'GET', path: '/api/events' },
  input: z.object({
    after: position.default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The newest `limit` events instead of those after `after` (for live views). */
    tail: z.enum(['true', 'false']).default('false'),
    domain: token.optional(),
    aggregate: token.optional(),
    aggregateId: token.optional(),
  }),
  output: eventPageSchema,
  async handle(input, ctx) {
    const filter = {
      ...(input.domain !== undefined ? { domain: input.domain } : {}),
      ...(input.aggregate !== undefined ? { aggregate: input.aggregate } : {}),
      ...(input.aggregateId !== undefined ? { aggregateId: input.aggregateId } : {}),
    };
    const end = await ctx.store.lastPosition();
    // A filtered tail starts `limit` positions back, so it may hold fewer than `limit` events.
    const after = input.tail === 'true' ? Math.max(0, end - input.limit) : input.after;
    const events = await ctx.store.readAll({ after, limit: input.limit, filter });
    const last = events[events.length - 1];
    return { events: events.map(recordedToJson), next: last ? last.position : after, end };
  },
});

/**
 * Data under a type CIM defines must match that type's schema: CIM's readers would skip such an
 * event as malformed, so it is refused here, where the writer can still be told. Other types
 * take any JSON.
 */
function refuseMalformedCatalogued(
  input: { events: readonly { type: string; data: unknown }[] },
  ctx: z.RefinementCtx,
): void {
  for (const [index, event] of input.events.entries()) {
    const result = eventTypeOf(event.type)?.schema.safeParse(event.data);
    if (result === undefined || result.success) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['events', index, 'data'],
      message: `is not the data of a ${event.type} event (${describeIssue(firstIssue(result.error))}): CIM defines that type, see docs/contracts.md, or use a type of your own`,
    });
  }
}

/** `POST /api/events`: append events to one aggregate with an expected version. */
export const appendEvents = defineOperation({
  component: 'events',
  name: 'append',
  summary: 'Append events to one aggregate; the server checks the expected version.',
  access: 'writer',
  http: { method: 'POST', path: '/api/events', status: 201 },
  input: z
    .object({
      domain: token,
      aggregate: token,
      aggregateId: token,
      expectedVersion: z.union([z.number().int().min(0), z.literal('any')]),
      events: z
        .array(
          z
            .object({
              type: z.string().min(1),
              data: jsonValueSchema,
              id: z.string().optional(),
              occurredAt: z.string().optional(),
            })
            .strict(),
        )
        .min(1)
        .max(100),
      /** Refused: the node records who signed in, never what the caller claims. */
      actor: z
        .undefined({
          error:
            'cannot be set: the node records the signed-in caller as the actor, so leave it out',
        })
        .optional(),
      correlationId: z.string().min(1).max(128).optional(),
      causationId: z.string().min(1).max(128).optional(),
    })
    .strict()
    .superRefine(refuseMalformedCatalogued),
  output: appendReplySchema,
  async handle(input, ctx, call) {
    const result = await ctx.store.append(
      { domain: input.domain, aggregate: input.aggregate, aggregateId: input.aggregateId },
      input.events.map((e) => ({
        type: e.type,
        data: e.data,
        ...(e.id !== undefined ? { id: e.id } : {}),
        ...(e.occurredAt !== undefined ? { occurredAt: e.occurredAt } : {}),
      })),
      {
        expectedVersion: input.expectedVersion,
        actor: actorOf(call),
        ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
        ...(input.causationId !== undefined ? { causationId: input.causationId } : {}),
      },
    );
    return {
      version: result.version,
      duplicate: result.duplicate,
      events: result.events.map(recordedToJson),
    };
  },
});

/** `POST /api/events/verify`: recompute every CID and walk every chain. */
export const verifyEventsOperation = defineOperation({
  component: 'events',
  name: 'verify',
  summary: 'Recompute every event CID and walk every per-aggregate chain.',
  access: 'writer',
  http: { method: 'POST', path: '/api/events/verify' },
  input: z.object({}).strict(),
  output: eventsVerifyReportSchema,
  async handle(_input, ctx) {
    return verifyEvents(ctx.store, { readMarks: (await ctx.readMarks?.()) ?? [] });
  },
});
