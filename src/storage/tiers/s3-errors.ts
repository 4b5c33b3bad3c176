import type { CimError } from '../../core/errors.js';
import { InvalidConfigError, UnavailableError } from '../../core/errors.js';

/** Where a failed request went, for the sentence that reports it. */
export interface S3Target {
  readonly tier: string;
  readonly endpoint: string;
  readonly bucket: string;
}

/** Connection failures Node reports by code when nothing answers at the endpoint. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** HTTP status of an SDK error, undefined when no response came back at all. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** True when the SDK says the key (or, for HEAD, the bucket) is not there. */
export function isNotFound(err: unknown): boolean {
  const name = (err as SdkError | undefined)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || statusOf(err) === 404;
}

/**
 * Turns an AWS SDK failure into a CimError with one sentence saying what is wrong with the tier
 * and what to do: the operator sees this at start-up and in `cim storage status`, never a stack.
 */
export function s3Failure(err: unknown, target: S3Target, action: string): CimError {
  const e = (err ?? {}) as SdkError;
  const where = `tier ${target.tier} (bucket ${target.bucket} at ${target.endpoint})`;
  const status = statusOf(err);
  const options = { cause: err };
  if (e.name === 'NoSuchBucket' || (action === 'check' && status === 404)) {
    return new InvalidConfigError(
      `Bucket ${target.bucket} does not exist at ${target.endpoint}: create it or correct the bucket of tier ${target.tier}.`,
      options,
    );
  }
  if (
    status === 403 ||
    e.name === 'InvalidAccessKeyId' ||
    e.name === 'SignatureDoesNotMatch' ||
    e.name === 'AccessDenied'
  ) {
    return new InvalidConfigError(
      `The S3 server refused the credentials of ${where} (${e.name ?? 'HTTP 403'}): check its access key and secret.`,
      options,
    );
  }
  if (status === undefined && (UNREACHABLE.has(e.code ?? '') || UNREACHABLE.has(e.name ?? ''))) {
    return new UnavailableError(
      `The S3 endpoint of ${where} cannot be reached (${e.code ?? e.name}): check the endpoint and that the server is running.`,
      options,
    );
  }
  const detail = status === undefined ? (e.message ?? String(err)) : `HTTP ${status}, ${e.name}`;
  return new UnavailableError(
    `The ${action} on ${where} failed (${detail}): retry later or check the server's logs.`,
    options,
  );
}
