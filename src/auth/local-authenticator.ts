import { LOCAL_PRINCIPAL } from '../core/access.js';
import type { Principal } from '../core/access.js';
import type { AuthDirectory } from './auth-directory.js';
import type { Authenticator, Credentials } from './authenticator.js';
import { SESSION_COOKIE } from './session-authenticator.js';

/**
 * The no-sign-in mode: while no user exists, a caller that presents nothing is the node's single
 * user, `local`. Only a node whose HTTP listens on loopback may be in it (checked at start); it
 * ends for every process the moment the first user is created.
 */
export class LocalAuthenticator implements Authenticator {
  constructor(private readonly directory: AuthDirectory) {}

  authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const presented =
      credentials.authorization !== undefined ||
      (credentials.cookies?.[SESSION_COOKIE] ?? '') !== '';
    return Promise.resolve(!presented && !this.directory.hasUsers() ? LOCAL_PRINCIPAL : undefined);
  }
}
