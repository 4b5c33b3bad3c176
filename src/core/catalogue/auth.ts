import { z } from 'zod';
import { ROLES } from '../access.js';
import { defineEvent } from '../event-type.js';
import type { EventData } from '../event-type.js';

/**
 * Users, tokens and sign-ins (domain `auth`). These events are the audit trail: who changed whom
 * and when. They never hold a password, a hash or a token: the hashes live in KV buckets
 * (`cim-auth-users`, `cim-auth-tokens`) that only the check reads, so reading the event stream
 * gives nothing to guess against.
 */

const role = z.enum(ROLES);
const username = z.string().min(1).max(64);

/** Recorded on `auth.User.<username>` when a user is created (by `cim admin create` or an admin). */
export const UserCreated = defineEvent('UserCreated', z.object({ username, role }));
export type UserCreatedData = EventData<typeof UserCreated>;

/** Recorded on `auth.User.<username>` when an admin changes a user's role. */
export const UserRoleChanged = defineEvent(
  'UserRoleChanged',
  z.object({ username, from: role, to: role }),
);
export type UserRoleChangedData = EventData<typeof UserRoleChanged>;

/**
 * Recorded on `auth.User.<username>` when a user's password changed: by the user (who gave the
 * current one) or reset by an admin. The user's web sessions end with it.
 */
export const PasswordChanged = defineEvent(
  'PasswordChanged',
  z.object({ username, by: z.enum(['self', 'admin']), sessionsEnded: z.number().int().min(0) }),
);
export type PasswordChangedData = EventData<typeof PasswordChanged>;

/** Recorded on `auth.Token.<name>` when an API token is made; the token itself is shown once. */
export const TokenCreated = defineEvent(
  'TokenCreated',
  z.object({
    name: z.string().min(1).max(64),
    role,
    /** ISO time after which the token is refused, or null for no expiry. */
    expiresAt: z.string().nullable(),
  }),
);
export type TokenCreatedData = EventData<typeof TokenCreated>;

/** Recorded on `auth.Token.<name>` when a token is revoked; every process refuses it within seconds. */
export const TokenRevoked = defineEvent(
  'TokenRevoked',
  z.object({ name: z.string().min(1).max(64) }),
);
export type TokenRevokedData = EventData<typeof TokenRevoked>;

/** Recorded on `auth.User.<username>` when a user proves their password (`cim login`). */
export const SignedIn = defineEvent(
  'SignedIn',
  z.object({
    username,
    /** The caller's address as the ui saw it, or null over NATS. */
    address: z.string().nullable(),
  }),
);
export type SignedInData = EventData<typeof SignedIn>;

/**
 * Recorded on `auth.User.<username>` when a sign-in fails: an unknown user, a wrong password, or
 * an attempt refused because too many failed before it (`rate_limited`).
 */
export const SignInFailed = defineEvent(
  'SignInFailed',
  z.object({
    username,
    address: z.string().nullable(),
    reason: z.enum(['unknown_user', 'wrong_password', 'rate_limited']),
  }),
);
export type SignInFailedData = EventData<typeof SignInFailed>;

/** Recorded on `auth.User.<username>` when a user signs out of a web session. */
export const SignedOut = defineEvent(
  'SignedOut',
  z.object({ username, session: z.string().min(1).max(64) }),
);
export type SignedOutData = EventData<typeof SignedOut>;

/** Recorded on `auth.User.<username>` when an admin ends one of the user's web sessions. */
export const SessionRevoked = defineEvent(
  'SessionRevoked',
  z.object({ username, session: z.string().min(1).max(64) }),
);
export type SessionRevokedData = EventData<typeof SessionRevoked>;
