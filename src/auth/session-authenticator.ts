import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../core/access.js';
import type { AuthDirectory } from './auth-directory.js';
import { sessionCredential, tokenHash } from './api-token.js';
import type { Authenticator, Credentials } from './authenticator.js';

/** The cookie holding a browser's session id (HttpOnly). */
export const SESSION_COOKIE = 'cim_session';
/** The cookie holding the session's CSRF token, readable by the page, sent back as a header. */
export const CSRF_COOKIE = 'cim_csrf';
/** The header every cookie-authenticated request that changes something must carry. */
export const CSRF_HEADER = 'x-csrf-token';

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A web session: the `cim_session` cookie from a browser, or `Authorization: Session <id>` as
 * the ui forwards it over NATS. A cookie-authenticated write must also send the session's CSRF
 * token in `X-CSRF-Token`: another site can make the browser send the cookie, but cannot read
 * the token to send it.
 */
export class SessionAuthenticator implements Authenticator {
  constructor(
    private readonly directory: AuthDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const forwarded = sessionCredential(credentials.authorization);
    const cookie =
      credentials.authorization === undefined ? credentials.cookies?.[SESSION_COOKIE] : undefined;
    const sessionId = forwarded ?? cookie;
    if (sessionId === undefined || sessionId === '') return Promise.resolve(undefined);
    const record = this.directory.sessionByHash(tokenHash(sessionId));
    if (!record || Date.parse(record.expiresAt) <= this.now()) return Promise.resolve(undefined);
    if (
      cookie !== undefined &&
      credentials.csrfToken !== undefined &&
      !sameHash(tokenHash(credentials.csrfToken), record.csrfHash)
    )
      return Promise.resolve(undefined);
    const user = this.directory.user(record.username);
    if (!user) return Promise.resolve(undefined);
    return Promise.resolve({
      kind: 'user',
      name: `user:${user.username}`,
      role: user.role,
      scopes: [],
    });
  }
}
