import { z } from 'zod';
import { componentRecordSchema } from '../../registry/component-record.js';
import { named } from './registry.js';

/** A registry record as read back, with when the server last saw its heartbeat. */
export const registeredComponentSchema = named(
  'RegisteredComponent',
  componentRecordSchema.extend({ lastSeen: z.string() }),
);

/** `GET /api/components`. */
export const componentListSchema = named(
  'ComponentList',
  z.object({ components: z.array(registeredComponentSchema) }),
);

export type RegisteredComponent = z.infer<typeof registeredComponentSchema>;
export type ComponentList = z.infer<typeof componentListSchema>;
