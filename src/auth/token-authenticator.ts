import type { Principal } from '../core/access.js';
import type { AuthDirectory } from './auth-directory.js';
import { bearerToken, tokenHash } from './api-token.js';
import type { Authenticator, Credentials } from './authenticator.js';

/**
 * `Authorization: Bearer <token>`: the token's SHA-256 looked up in the watched token bucket, so
 * a revoked token is refused as soon as the bucket's change reaches this process.
 */
export class TokenAuthenticator implements Authenticator {
  constructor(
    private readonly directory: AuthDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const token = bearerToken(credentials.authorization);
    if (token === undefined) return Promise.resolve(undefined);
    const record = this.directory.tokenByHash(tokenHash(token));
    if (!record) return Promise.resolve(undefined);
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.now())
      return Promise.resolve(undefined);
    if (record.user !== null) {
      // A user's own token: its role follows the user's, and it ends with the user.
      const user = this.directory.user(record.user);
      if (!user) return Promise.resolve(undefined);
      return Promise.resolve({
        kind: 'user',
        name: `user:${user.username}`,
        role: user.role,
        scopes: [],
      });
    }
    return Promise.resolve({
      kind: 'token',
      name: `token:${record.name}`,
      role: record.role,
      scopes: [],
    });
  }
}
