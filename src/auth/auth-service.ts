import { randomBytes } from 'node:crypto';
import type { Principal, Role } from '../core/access.js';
import {
  PasswordChanged,
  SessionRevoked,
  SignedIn,
  SignedOut,
  SignInFailed,
  TokenCreated,
  TokenRevoked,
  UserCreated,
  UserRoleChanged,
} from '../core/catalogue/auth.js';
import type { SignInFailedData } from '../core/catalogue/auth.js';
import {
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
} from '../core/errors.js';
import type { EventDraft, EventStore } from '../events/event-store.js';
import type { AuthDirectory, SessionRecord, TokenRecord, UserRecord } from './auth-directory.js';
import { newApiToken, newSecret, tokenHash } from './api-token.js';
import { AttemptLimiter } from './attempt-limiter.js';
import type { AttemptLimits } from './attempt-limiter.js';
import { hashPassword, verifyPassword } from './password.js';

/** The event domain of users, tokens and sign-ins. */
export const AUTH_DOMAIN = 'auth';

/** Usernames: they are KV keys and subject tokens, so no dots or spaces. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Token names, as `cim token revoke` and `token:<name>` actors show them. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;

/**
 * Checked in place of a missing user's hash, so an unknown username costs as long as a wrong
 * password and the answer's timing does not tell which names exist.
 */
const UNKNOWN_USER_HASH = `scrypt$32768$8$1$${'A'.repeat(22)}==$${'A'.repeat(43)}=`;

/** Sign-in attempt limits per account and per caller address. */
export interface SignInLimits {
  readonly account: AttemptLimits;
  readonly address: AttemptLimits;
}

/** How long a web session lasts after sign-in. */
export const SESSION_MS = 7 * 24 * 3_600_000;

/** A web session as made: its secret id and CSRF token (set as cookies) and its record. */
export interface CreatedSession {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly record: SessionRecord;
}

/** A token as made: the secret, shown once, and what is stored about it. */
export interface CreatedToken {
  readonly token: string;
  readonly record: TokenRecord;
}

/**
 * Users, their passwords and API tokens: each change stored (hashed) in the auth buckets and
 * recorded as an event in domain `auth` with the actor who made it.
 */
export class AuthService {
  private readonly accounts: AttemptLimiter;
  private readonly addresses: AttemptLimiter;

  constructor(
    readonly directory: AuthDirectory,
    private readonly events: EventStore,
    limits: SignInLimits,
  ) {
    this.accounts = new AttemptLimiter(limits.account);
    this.addresses = new AttemptLimiter(limits.address);
  }

  private async record(aggregate: 'User' | 'Token', id: string, draft: EventDraft, actor: string) {
    await this.events.append({ domain: AUTH_DOMAIN, aggregate, aggregateId: id }, [draft], {
      expectedVersion: 'any',
      actor,
    });
  }

  /** Creates a user; refused when the name is taken or the password too short. */
  async createUser(
    input: { username: string; password: string; role: Role },
    actor: string,
  ): Promise<Omit<UserRecord, 'passwordHash'>> {
    assertUsername(input.username);
    assertPasswordLength(input.password);
    const record: UserRecord = {
      username: input.username,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: new Date().toISOString(),
    };
    if (!(await this.directory.createUser(record)))
      throw new InvalidInputError(
        `The user ${input.username} exists already: choose another name, or change its role with cim admin role.`,
      );
    await this.record(
      'User',
      record.username,
      UserCreated.draft({ username: record.username, role: record.role }),
      actor,
    );
    return { username: record.username, role: record.role, createdAt: record.createdAt };
  }

  /** Gives an existing user another role. */
  async changeRole(username: string, role: Role, actor: string): Promise<void> {
    const user = this.directory.user(username);
    if (!user) throw new NotFoundError(`There is no user ${username}: cim admin ls lists them.`);
    if (user.role === role) return;
    await this.directory.updateUser({ ...user, role });
    await this.record(
      'User',
      username,
      UserRoleChanged.draft({ username, from: user.role, to: role }),
      actor,
    );
  }

  /**
   * Sets a new password for `username`: by the user, who must give the current one (`current`),
   * or by an admin (`current` null: the caller's role was checked by the operation). Every web
   * session of the user ends: whoever held one signs in again with the new password.
   */
  async changePassword(
    username: string,
    current: string | null,
    next: string,
    actor: string,
  ): Promise<{ sessionsEnded: number }> {
    const user = this.directory.user(username);
    if (!user) throw new NotFoundError(`There is no user ${username}: cim admin ls lists them.`);
    if (current !== null) {
      // A stolen session must not make this a way round the sign-in's attempt limits.
      const locked = this.accounts.lockedFor(username);
      if (locked > 0) {
        const seconds = Math.ceil(locked / 1000);
        throw new RateLimitedError(
          `Too many wrong passwords for this account: try again in ${seconds} s.`,
          seconds,
        );
      }
      if (!(await verifyPassword(current, user.passwordHash))) {
        this.accounts.failed(username);
        throw new UnauthenticatedError(
          'The current password is wrong: give the one you sign in with now.',
        );
      }
    }
    assertPasswordLength(next);
    await this.directory.updateUser({ ...user, passwordHash: await hashPassword(next) });
    const sessions = this.directory.listSessions().filter((s) => s.username === username);
    for (const session of sessions) await this.directory.removeSession(session.id);
    await this.record(
      'User',
      username,
      PasswordChanged.draft({
        username,
        by: current === null ? 'admin' : 'self',
        sessionsEnded: sessions.length,
      }),
      actor,
    );
    return { sessionsEnded: sessions.length };
  }

  /**
   * Checks a username and password. Refused (and recorded as SignInFailed) for an unknown user,
   * a wrong password, or while the account or the address is locked after too many failures.
   */
  async signIn(username: string, password: string, address: string | null): Promise<Principal> {
    const locked = Math.max(
      this.accounts.lockedFor(username),
      address === null ? 0 : this.addresses.lockedFor(address),
    );
    const fail = async (reason: SignInFailedData['reason']) => {
      if (USERNAME_PATTERN.test(username))
        await this.record(
          'User',
          username,
          SignInFailed.draft({ username, address, reason }),
          `user:${username}`,
        );
    };
    if (locked > 0) {
      await fail('rate_limited');
      const seconds = Math.ceil(locked / 1000);
      throw new RateLimitedError(
        `Too many failed sign-ins for this account or address: try again in ${seconds} s.`,
        seconds,
      );
    }
    const user = this.directory.user(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    const ok = user !== undefined && matches;
    if (!ok) {
      this.accounts.failed(username);
      if (address !== null) this.addresses.failed(address);
      await fail(user === undefined ? 'unknown_user' : 'wrong_password');
      throw new UnauthenticatedError(
        'The username or password is wrong: check both and try again.',
      );
    }
    this.accounts.succeeded(username);
    if (address !== null) this.addresses.succeeded(address);
    await this.record('User', username, SignedIn.draft({ username, address }), `user:${username}`);
    return { kind: 'user', name: `user:${username}`, role: user.role, scopes: [] };
  }

  /** Makes a token; the secret is in the result only and stored as its SHA-256. */
  async createToken(
    input: { name?: string; role: Role; expiresAt: string | null; user?: string },
    actor: string,
  ): Promise<CreatedToken> {
    const name =
      input.name ??
      `${input.user === undefined ? 'token' : `login-${input.user}`}-${randomBytes(4).toString('hex')}`;
    if (!TOKEN_NAME_PATTERN.test(name))
      throw new InvalidInputError(
        `The token name ${JSON.stringify(name)} may only hold letters, digits, _ and - (up to 64): choose another.`,
      );
    if (this.directory.hasToken(name))
      throw new InvalidInputError(
        `A token named ${name} exists already: choose another name, or revoke it first with cim token revoke ${name}.`,
      );
    const token = newApiToken();
    const record: TokenRecord = {
      name,
      role: input.role,
      createdAt: new Date().toISOString(),
      expiresAt: input.expiresAt,
      createdBy: actor,
      user: input.user ?? null,
    };
    await this.directory.putToken(tokenHash(token), record);
    await this.record(
      'Token',
      name,
      TokenCreated.draft({ name, role: record.role, expiresAt: record.expiresAt }),
      actor,
    );
    return { token, record };
  }

  /** Starts a web session for a user who just signed in. */
  async createSession(username: string, address: string | null): Promise<CreatedSession> {
    const sessionId = newSecret();
    const csrfToken = newSecret();
    const now = Date.now();
    const record: SessionRecord = {
      id: randomBytes(8).toString('hex'),
      username,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + SESSION_MS).toISOString(),
      address,
      csrfHash: tokenHash(csrfToken),
    };
    await this.directory.putSession(tokenHash(sessionId), record);
    return { sessionId, csrfToken, record };
  }

  /** Ends the session whose secret id is `sessionId` (sign-out); nothing when it is unknown. */
  async endSession(sessionId: string): Promise<void> {
    const record = this.directory.sessionByHash(tokenHash(sessionId));
    if (!record) return;
    await this.directory.removeSession(record.id);
    await this.record(
      'User',
      record.username,
      SignedOut.draft({ username: record.username, session: record.id }),
      `user:${record.username}`,
    );
  }

  /** Ends the session listed as `id` (an admin's revocation). */
  async revokeSession(id: string, actor: string): Promise<void> {
    const record = await this.directory.removeSession(id);
    if (!record)
      throw new NotFoundError(`There is no session ${id}: GET /api/auth/sessions lists them.`);
    await this.record(
      'User',
      record.username,
      SessionRevoked.draft({ username: record.username, session: id }),
      actor,
    );
  }

  /** Revokes the token named `name`: every process refuses it once the bucket's change arrives. */
  async revokeToken(name: string, actor: string): Promise<void> {
    if (!(await this.directory.removeToken(name)))
      throw new NotFoundError(`There is no token named ${name}: cim token ls lists them.`);
    await this.record('Token', name, TokenRevoked.draft({ name }), actor);
  }
}

function assertUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username))
    throw new InvalidInputError(
      `The username ${JSON.stringify(username)} may only hold lower-case letters, digits, _ and - (up to 64, starting with a letter or digit): choose another.`,
    );
}

function assertPasswordLength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new InvalidInputError(
      `The password is shorter than ${MIN_PASSWORD_LENGTH} characters: choose a longer one.`,
    );
}
