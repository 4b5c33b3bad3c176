import type { Principal } from '../core/access.js';
import { decideAccess } from '../core/access.js';
import type { Access } from '../core/access.js';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import type { Authenticator, Credentials } from './authenticator.js';
import { SESSION_COOKIE } from './session-authenticator.js';

/**
 * The authenticators of one process, asked in turn, and the one check every entry point (HTTP,
 * NATS) makes before running anything: who calls, and may they.
 */
export class Authentication {
  constructor(
    private readonly authenticators: readonly Authenticator[],
    /** True while callers must sign in (some user exists), for `GET /api/auth/me`. */
    readonly signInRequired: () => boolean,
  ) {}

  /** The first principal an authenticator finds, or undefined. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    for (const authenticator of this.authenticators) {
      const principal = await authenticator.authenticate(credentials);
      if (principal) return principal;
    }
    return undefined;
  }

  /**
   * The caller's principal when it may use something that needs `access`; otherwise throws
   * UnauthenticatedError (401) or ForbiddenError (403) with a sentence saying what to do.
   * Undefined only for a `public` thing called without valid credentials.
   */
  async admit(
    credentials: Credentials,
    access: Access,
    what: string,
  ): Promise<Principal | undefined> {
    const principal = await this.authenticate(credentials);
    const decision = decideAccess(principal, access);
    if (decision.allowed) return principal;
    if (decision.reason === 'forbidden')
      throw new ForbiddenError(
        `${principal!.name} has the role ${principal!.role}, and ${what} needs ${access}: ask an admin for a token or a user with that role.`,
      );
    const session = (credentials.cookies?.[SESSION_COOKIE] ?? '') !== '';
    throw new UnauthenticatedError(
      credentials.authorization !== undefined
        ? `The credentials sent are not valid (unknown, expired or revoked): sign in again, or make a new token with cim token create.`
        : session
          ? `The session is not valid (signed out, expired or revoked), or this change lacks its X-CSRF-Token header: sign in again.`
          : `${what} needs sign-in: send Authorization: Bearer <token> (cim login stores one for the CLI) or sign in on the web app.`,
    );
  }
}
