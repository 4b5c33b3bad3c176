import { z } from 'zod';
import { named } from './registry.js';

/** Event data: JSON (DAG-JSON's data model without links or bytes). */
export const jsonValueSchema = named('JsonValue', z.json());

/** A recorded event as the API shows it: the envelope with its stream position and CID. */
export const recordedEventSchema = named(
  'RecordedEvent',
  z.object({
    position: z.number().int(),
    cid: z.string(),
    id: z.string(),
    type: z.string(),
    domain: z.string(),
    aggregate: z.string(),
    aggregateId: z.string(),
    version: z.number().int(),
    occurredAt: z.string(),
    actor: z.string(),
    correlationId: z.string(),
    causationId: z.string().nullable(),
    prev: z.string().nullable(),
    data: jsonValueSchema,
  }),
);

/** `GET /api/events`: a page of the stream; `end` is the stream's last position. */
export const eventPageSchema = named(
  'EventPage',
  z.object({
    events: z.array(recordedEventSchema),
    next: z.number().int(),
    end: z.number().int(),
  }),
);

/** `POST /api/events`: the aggregate's version after the append and the events recorded. */
export const appendReplySchema = named(
  'AppendReply',
  z.object({
    version: z.number().int(),
    duplicate: z.boolean(),
    events: z.array(recordedEventSchema),
  }),
);

/** One problem `POST /api/events/verify` found in the stream. */
export const chainProblemSchema = named(
  'ChainProblem',
  z.object({
    position: z.number().int(),
    subject: z.string(),
    kind: z.enum([
      'not_an_envelope',
      'cid_mismatch',
      'subject_mismatch',
      'version_gap',
      'prev_mismatch',
      'position_gap',
      'truncated',
    ]),
    detail: z.string(),
  }),
);

/** `POST /api/events/verify`: every CID recomputed and every chain walked. */
export const eventsVerifyReportSchema = named(
  'EventsVerifyReport',
  z.object({
    ok: z.boolean(),
    events: z.number().int(),
    aggregates: z.number().int(),
    problems: z.array(chainProblemSchema),
    problemCount: z.number().int(),
  }),
);

/** The query string of `GET /api/events/stream` (an input). */
export const eventStreamQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  domain: z.string().min(1).optional(),
  aggregate: z.string().min(1).optional(),
  aggregateId: z.string().min(1).optional(),
});

export type RecordedEventJson = z.infer<typeof recordedEventSchema>;
export type EventPage = z.infer<typeof eventPageSchema>;
export type AppendReply = z.infer<typeof appendReplySchema>;
export type EventsVerifyReport = z.infer<typeof eventsVerifyReportSchema>;
