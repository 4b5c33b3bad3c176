import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { componentListSchema } from '../schemas/components.js';

/** `GET /api/components`: every live component and plugin service, optionally by capability. */
export const listComponents = defineOperation({
  component: 'registry',
  name: 'components',
  summary: 'Running components and plugin services from the registry.',
  access: 'reader',
  http: { method: 'GET', path: '/api/components' },
  input: z.object({
    capability: z.string().min(1).max(200).optional(),
  }),
  output: componentListSchema,
  async handle({ capability }, ctx) {
    const components = await ctx.registry.list(capability === undefined ? {} : { capability });
    return { components };
  },
});
