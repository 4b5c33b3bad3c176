/** What a server said identifies a response's version, sent back to ask "changed since?". */
export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

/** The conditional request headers for `validators` (none when it holds nothing). */
export function conditionalHeaders(validators: Validators | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (validators?.etag !== undefined) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified !== undefined) {
    headers['if-modified-since'] = validators.lastModified;
  }
  return headers;
}

/** The validators a response carries. */
export function validatorsOf(headers: Headers): Validators {
  const etag = headers.get('etag');
  const lastModified = headers.get('last-modified');
  return {
    ...(etag !== null ? { etag } : {}),
    ...(lastModified !== null ? { lastModified } : {}),
  };
}
