import { z } from 'zod';
import type { ProcessorOutput } from './plugin-api.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';

const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+'-]*";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:\\s*;.*)?$`, 'i');

/**
 * The shape a processor's result must have. Strict, so a misspelt field (`tag` for `tags`) is
 * reported instead of silently dropped.
 */
const outputSchema = z
  .object({
    derived: z
      .array(
        z
          .object({
            name: z.string().min(1),
            mediaType: z.string().regex(MEDIA_TYPE, 'must be a media type like text/plain'),
            bytes: z.instanceof(Uint8Array, { error: 'must be a Uint8Array' }),
            tags: z.array(z.string().min(1)).optional(),
          })
          .strict(),
      )
      .optional(),
    tags: z.array(z.string().min(1)).optional(),
    relations: z
      .array(z.object({ type: z.string().min(1), target: z.string().min(1) }).strict())
      .optional(),
    text: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** The output, when `value` is a valid ProcessorOutput, or a phrase saying what is wrong. */
export function checkProcessorOutput(
  value: unknown,
): { ok: true; output: ProcessorOutput } | { ok: false; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { ok: false, problem: `run resolved to ${got}, not an object` };
  }
  const result = outputSchema.safeParse(value);
  if (result.success) return { ok: true, output: value as ProcessorOutput };
  return { ok: false, problem: describeIssue(firstIssue(result.error)) };
}
