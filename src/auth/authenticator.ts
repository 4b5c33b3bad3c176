import type { Principal } from '../core/access.js';

/** What a caller presented, as an entry point received it. */
export interface Credentials {
  /** The `Authorization` header (`Bearer <token>`), if any. */
  readonly authorization?: string;
  /** Cookies by name, if any. */
  readonly cookies?: Readonly<Record<string, string>>;
}

/**
 * Turns what a caller presented into a principal: a session cookie, a bearer token. Undefined
 * when the credentials are not of its kind or not valid (expired, revoked); every authenticator
 * of a process is asked in turn by the entry point.
 */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
}
