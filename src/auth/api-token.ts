import { createHash, randomBytes } from 'node:crypto';

/** Every API token starts so: secret scanners and people can tell one when they see it. */
export const TOKEN_PREFIX = 'cim_';

/** A new API token: 32 random bytes, so a fast hash is enough to store it (no guessing). */
export function newApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** A secret that is not an API token (a session id, a CSRF token): 32 random bytes. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored for a token and looked up when it is presented: its SHA-256, in hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token of an `Authorization: Bearer <token>` value, or undefined for any other value. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return schemeValue('Bearer', authorization);
}

/**
 * The session id of an `Authorization: Session <id>` value: how the ui forwards a browser's
 * session over NATS. Undefined for any other value.
 */
export function sessionCredential(authorization: string | undefined): string | undefined {
  return schemeValue('Session', authorization);
}

function schemeValue(scheme: string, authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = new RegExp(`^${scheme} +(\\S+)\\s*$`, 'i').exec(authorization);
  return match?.[1];
}
