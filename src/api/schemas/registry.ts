import { z } from 'zod';

/**
 * The named schemas of the API: each becomes one entry of the OpenAPI document's
 * `components.schemas`, and a schema nested in another is referenced there instead of repeated.
 */
export const API_SCHEMAS = z.registry<{ id: string }>();

/** Registers `schema` under `id` in the API's named schemas and returns it. */
export function named<S extends z.ZodType>(id: string, schema: S): S {
  API_SCHEMAS.add(schema, { id });
  return schema;
}
