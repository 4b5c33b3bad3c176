import { z } from 'zod';
import { named } from './registry.js';

const json = z.unknown();

/** A checkpoint of a connector: where it was in its source, and when. */
export const connectorCheckpointSchema = named(
  'ConnectorCheckpoint',
  z.object({
    position: z.number().int(),
    at: z.string(),
    cursor: json,
    pollCompleted: z.boolean(),
  }),
);

/** A connector's definition with every default applied (settings name files, never secrets). */
export const connectorDefinitionSchema = named(
  'ConnectorDefinition',
  z.object({
    name: z.string(),
    kind: z.string(),
    description: z.string().optional(),
    intervalMs: z.number().int(),
    tags: z.array(z.string()),
    context: z.string().nullable(),
    ratePerSecond: z.number(),
    retry: z.object({
      attempts: z.number().int(),
      backoffMs: z.number(),
      maxBackoffMs: z.number(),
    }),
    settings: z.record(z.string(), json),
  }),
);

/** A connector as the hub's read model holds it, with its health. */
export const connectorSchema = named(
  'Connector',
  z.object({
    name: z.string(),
    definition: connectorDefinitionSchema,
    definitionCid: z.string(),
    state: z.enum(['configured', 'running', 'paused', 'failed', 'stopped']),
    /** True when it should have completed a poll within twice its interval and has not. */
    stalled: z.boolean(),
    reason: z.string().nullable(),
    code: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.string(),
    lastCheckpoint: connectorCheckpointSchema.nullable(),
    lastCompletedAt: z.string().nullable(),
    counts: z.object({
      stored: z.number().int(),
      linked: z.number().int(),
      seenAgain: z.number().int(),
      failed: z.number().int(),
      removed: z.number().int(),
    }),
    consecutiveFailures: z.number().int(),
    deadLetters: z.array(
      z.object({
        source: z.string(),
        reason: z.string(),
        attempts: z.number().int(),
        at: z.string(),
        position: z.number().int(),
      }),
    ),
    checkpoints: z.array(connectorCheckpointSchema),
  }),
);

/** `GET /api/connectors`. */
export const connectorListSchema = named(
  'ConnectorList',
  z.object({ connectors: z.array(connectorSchema) }),
);

/** What a command on a connector did, and the connector after it. */
export const connectorCommandReplySchema = named(
  'ConnectorCommandReply',
  z.object({
    name: z.string(),
    outcome: z.enum([
      'created',
      'updated',
      'unchanged',
      'paused',
      'resumed',
      'removed',
      'rewound',
      'retried',
    ]),
    version: z.number().int(),
    position: z.number().int(),
    connector: connectorSchema.nullable(),
  }),
);

/** `POST /api/connectors/{name}/run`: whether this node's hub polls it now. */
export const connectorRunReplySchema = named(
  'ConnectorRunReply',
  z.object({ name: z.string(), started: z.boolean() }),
);

export type ConnectorInfo = z.infer<typeof connectorSchema>;
export type ConnectorList = z.infer<typeof connectorListSchema>;
export type ConnectorCommandReply = z.infer<typeof connectorCommandReplySchema>;
export type ConnectorRunReply = z.infer<typeof connectorRunReplySchema>;
