import type { Principal } from '../core/access.js';

/** What a caller presented, as an entry point received it. */
export interface Credentials {
  /** The `Authorization` header (`Bearer <token>`), if any. */
  readonly authorization?: string;
  /** Cookies by name, if any. */
  readonly cookies?: Readonly<Record<string, string>>;
  /**
   * For a request that changes something and may come from a browser (HTTP, not GET/HEAD): the
   * `X-CSRF-Token` header it sent, `''` when none. Absent for safe requests and for NATS.
   */
  readonly csrfToken?: string;
}

/**
 * Turns what a caller presented into a principal: a session cookie, a bearer token. Undefined
 * when the credentials are not of its kind or not valid (expired, revoked); every authenticator
 * of a process is asked in turn by the entry point.
 */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
}
