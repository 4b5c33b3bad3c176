import type { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import { CimError, InvalidInputError, toCimError } from '../core/errors.js';
import { describeIssue, firstIssue } from '../core/zod-issue.js';

/** HTTP status for each error code; the only place codes meet statuses. */
const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_config: 400,
  version_conflict: 409,
  too_large: 413,
  integrity: 500,
  malformed_event: 500,
  unavailable: 503,
  port_in_use: 500,
  not_found: 404,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  internal: 500,
};

const TITLE: Record<ErrorCode, string> = {
  invalid_input: 'Invalid input',
  invalid_config: 'Invalid configuration',
  version_conflict: 'Version conflict',
  too_large: 'Too large',
  integrity: 'Integrity failure',
  malformed_event: 'Malformed event',
  unavailable: 'Service unavailable',
  port_in_use: 'Port in use',
  not_found: 'Not found',
  unauthenticated: 'Sign-in required',
  forbidden: 'Forbidden',
  rate_limited: 'Too many attempts',
  internal: 'Internal error',
};

/** An RFC 7807 problem document, with CIM's stable `code` and error-specific members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly [extension: string]: unknown;
}

/** Maps any error to a problem document; unexpected errors keep their detail out of the reply. */
export function toProblem(err: unknown, instance?: string): Problem {
  const cim = toCimError(err);
  const extensions: Record<string, unknown> =
    'extensions' in cim ? { ...(cim.extensions as object) } : {};
  if ('actualVersion' in cim) extensions['actualVersion'] = cim.actualVersion;
  if ('expectedVersion' in cim) extensions['expectedVersion'] = cim.expectedVersion;
  if ('retryAfterSeconds' in cim) extensions['retryAfterSeconds'] = cim.retryAfterSeconds;
  return {
    type: `https://cim.dev/problems/${cim.code}`,
    title: TITLE[cim.code],
    status: STATUS[cim.code],
    detail:
      cim.code === 'internal' && !(err instanceof CimError)
        ? 'An unexpected error occurred; see the node log.'
        : cim.message,
    code: cim.code,
    ...(instance !== undefined ? { instance } : {}),
    ...extensions,
  };
}

/** Validates input with a schema, turning the first issue into one InvalidInputError sentence. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(`${where}: ${describeIssue(firstIssue(result.error))}.`);
}
