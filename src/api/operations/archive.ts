import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { archiveStartedSchema, archiveStatusSchema } from '../schemas/archive.js';
import { unitsOf } from './units.js';

const tierName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a tier name such as cold');

/** `POST /api/events/archive`: starts sealing old events into the archive (and purging them). */
export const archiveEvents = defineOperation({
  component: 'units',
  name: 'events-archive',
  summary:
    'Seal old events into the event archive in a tier, optionally purging them from the stream.',
  access: 'admin',
  http: { method: 'POST', path: '/api/events/archive', status: 202 },
  input: z
    .object({
      to: tierName,
      through: z.number().int().positive().optional(),
      olderThanSeconds: z.number().int().nonnegative().optional(),
      purge: z.boolean().default(false),
    })
    .strict(),
  output: archiveStartedSchema,
  async handle(input, ctx) {
    return { run: unitsOf(ctx).archiver.start(input) };
  },
});

/** `GET /api/events/archive`: where the archive stands, its segments, and the latest run. */
export const archiveStatus = defineOperation({
  component: 'units',
  name: 'events-archive-status',
  summary: 'The event archive: sealed and purged positions, segments, and the latest run.',
  access: 'reader',
  http: { method: 'GET', path: '/api/events/archive' },
  input: z.object({}),
  output: archiveStatusSchema,
  async handle(_input, ctx) {
    const units = unitsOf(ctx);
    const { version: _version, ...archive } = await units.archive.state();
    return { archive, run: units.archiver.lastRun ?? null };
  },
});
