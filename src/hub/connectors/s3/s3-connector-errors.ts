import { statusOf } from '../../../storage/tiers/s3-errors.js';

/** Where a failed listing went, for the sentence that reports it. */
export interface S3ConnectorTarget {
  readonly connector: string;
  readonly bucket: string;
  readonly endpoint: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Turns an AWS SDK failure of a listing into an Error of one sentence saying what is wrong and
 * what to do, worded like the S3 tiers' (src/storage/tiers/s3-errors.ts): the hub marks the
 * connector failed with it. Credentials never appear in it.
 */
export function s3ConnectorFailure(err: unknown, target: S3ConnectorTarget): Error {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string };
  const where = `connector ${target.connector} (bucket ${target.bucket} at ${target.endpoint})`;
  const status = statusOf(err);
  const options = { cause: err };
  if (e.name === 'NoSuchBucket') {
    return new Error(
      `Bucket ${target.bucket} does not exist at ${target.endpoint}: create it or correct settings.bucket.`,
      options,
    );
  }
  if (
    status === 403 ||
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'].includes(e.name ?? '')
  ) {
    return new Error(
      `The S3 server refused the credentials of ${where} (${e.name ?? 'HTTP 403'}): check the files named by settings.accessKeyIdFile and settings.secretAccessKeyFile.`,
      options,
    );
  }
  if (status === undefined && (UNREACHABLE.has(e.code ?? '') || UNREACHABLE.has(e.name ?? ''))) {
    return new Error(
      `The S3 endpoint of ${where} cannot be reached (${e.code ?? e.name}): check settings.endpoint and that the server is running.`,
      options,
    );
  }
  const detail = status === undefined ? (e.message ?? String(err)) : `HTTP ${status}, ${e.name}`;
  return new Error(
    `Listing the objects of ${where} failed (${detail}): retry later or check the server's logs.`,
    options,
  );
}
