import { z } from 'zod';
import { ERROR_CODES } from '../../core/errors.js';
import { named } from './registry.js';

/**
 * An RFC 7807 problem document, the body of every error reply (`application/problem+json`), with
 * CIM's stable `code` and members specific to the error (such as `actualVersion`).
 */
export const problemSchema = named(
  'Problem',
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string(),
      code: z.enum(ERROR_CODES),
      instance: z.string().optional(),
    })
    .catchall(z.unknown()),
);

/** A problem document as a client reads it. */
export type ProblemDocument = z.infer<typeof problemSchema>;
