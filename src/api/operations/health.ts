import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { healthSchema } from '../schemas/health.js';

/**
 * `GET /api/health`: 200 with `status: "ok"` once every component of this process is ready; where
 * the units component runs, `storage` says what the last scrub or verification found.
 */
export const health = defineOperation({
  component: 'node',
  name: 'health',
  summary: 'Health of this process and its components.',
  access: 'public',
  http: { method: 'GET', path: '/api/health' },
  input: z.object({}),
  output: healthSchema,
  async handle(_input, ctx) {
    return {
      status: 'ok' as const,
      version: ctx.version,
      startedAt: ctx.startedAt,
      components: ctx.components.map((name) => ({ name, status: 'ok' as const })),
      ...(ctx.units && { storage: ctx.units.scrubber.health() }),
      nats: {
        url: ctx.nats.url,
        serverVersion: ctx.nats.serverVersion,
        features: ctx.nats.features,
      },
    };
  },
});
