/**
 * CIM's error model: a small set of named classes, each with a stable `code` that callers,
 * the HTTP layer and other languages (over NATS) rely on. Expected outcomes such as "not found"
 * are values, not errors. Only the API layer maps codes to HTTP statuses.
 */

/** Every stable error code CIM emits. Documented in docs/contracts.md (kept in sync by a test). */
export const ERROR_CODES = [
  'invalid_input',
  'invalid_config',
  'version_conflict',
  'too_large',
  'integrity',
  'malformed_event',
  'unavailable',
  'port_in_use',
  'not_found',
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base class: a one-sentence message saying what was wrong and what to do. */
export class CimError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input from outside (CLI args, HTTP bodies, definitions) failed validation. */
export class InvalidInputError extends CimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_input', message, options);
  }
}

/** The configuration (file, environment or flags) is not valid. */
export class InvalidConfigError extends CimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_config', message, options);
  }
}

/** An append expected a version of an aggregate that is no longer (or not yet) its version. */
export class VersionConflictError extends CimError {
  readonly expectedVersion: number;
  readonly actualVersion: number;
  constructor(subject: string, expectedVersion: number, actualVersion: number) {
    super(
      'version_conflict',
      `${subject} is at version ${actualVersion}, not the expected ${expectedVersion}: reload it and retry the command.`,
    );
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** Something is larger than the configured or server-imposed limit. */
export class TooLargeError extends CimError {
  readonly size: number;
  readonly limit: number;
  constructor(what: string, size: number, limit: number) {
    super('too_large', `${what} is ${size} bytes, over the limit of ${limit} bytes.`);
    this.size = size;
    this.limit = limit;
  }
}

/** Stored bytes do not match their content identifier. */
export class IntegrityError extends CimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('integrity', message, options);
  }
}

/**
 * A recorded event's data does not match the catalogue's schema for its type (or a reader was
 * handed an event of another type). The event stays in the stream; its readers skip it as a
 * failure of that one event.
 */
export class MalformedEventError extends CimError {
  readonly eventType: string;
  readonly position: number;
  constructor(eventType: string, position: number, problem: string, options?: { cause?: unknown }) {
    super('malformed_event', `The ${eventType} event at position ${position} ${problem}.`, options);
    this.eventType = eventType;
    this.position = position;
  }
}

/** A dependency (NATS, a server) cannot be reached or did not answer in time. */
export class UnavailableError extends CimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** A listening port is already taken by another process. */
export class PortInUseError extends CimError {
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      'port_in_use',
      `${address} is already in use: stop the program holding it or choose another address.`,
      options,
    );
  }
}

/** A requested resource does not exist (used where a missing item is a client error). */
export class NotFoundError extends CimError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** The caller presented no credentials, or ones that are not (or no longer) valid. */
export class UnauthenticatedError extends CimError {
  constructor(message: string) {
    super('unauthenticated', message);
  }
}

/** The caller is known but its role does not allow what it asked for. */
export class ForbiddenError extends CimError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** Too many attempts in a short time (sign-in with wrong passwords): wait and retry. */
export class RateLimitedError extends CimError {
  /** Seconds until the next attempt is accepted. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Wraps an unexpected failure so it still carries a stable code. */
export class InternalError extends CimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/** Returns `err` when it is a CimError, else wraps it as an InternalError keeping the cause. */
export function toCimError(err: unknown): CimError {
  if (err instanceof CimError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(`Unexpected failure: ${message}`, { cause: err });
}
