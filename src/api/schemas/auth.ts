import { z } from 'zod';
import { named } from './registry.js';

const role = z.enum(['reader', 'writer', 'admin']);

/** Who the caller is, as `GET /api/auth/me` and the CLI show it. */
export const principalSchema = named(
  'Principal',
  z.object({
    kind: z.enum(['user', 'token', 'component', 'local']),
    /** What events the caller writes record as `actor`. */
    name: z.string(),
    role,
  }),
);

/** `GET /api/auth/me`: the caller (null when not signed in) and whether sign-in is required. */
export const meSchema = named(
  'Me',
  z.object({ principal: principalSchema.nullable(), signInRequired: z.boolean() }),
);

/** A user, without its password hash. */
export const userSchema = named(
  'User',
  z.object({ username: z.string(), role, createdAt: z.string() }),
);

/** `GET /api/users`. */
export const userListSchema = named('UserList', z.object({ users: z.array(userSchema) }));

/** A token as listed: never the token itself. */
export const tokenInfoSchema = named(
  'TokenInfo',
  z.object({
    name: z.string(),
    role,
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    createdBy: z.string(),
    /** The user a sign-in token acts as (its role follows the user's), or null. */
    user: z.string().nullable(),
  }),
);

/** `GET /api/tokens`. */
export const tokenListSchema = named('TokenList', z.object({ tokens: z.array(tokenInfoSchema) }));

/** A token just made: `token` is shown this once and stored only as its hash. */
export const createdTokenSchema = named(
  'CreatedToken',
  z.object({ token: z.string(), info: tokenInfoSchema }),
);

/** A command on users or tokens that has nothing more to say. */
export const authDoneSchema = named('AuthDone', z.object({ ok: z.literal(true) }));

/** A password changed: how many of the user's web sessions ended with it. */
export const passwordChangedSchema = named(
  'PasswordChanged',
  z.object({ username: z.string(), sessionsEnded: z.number().int() }),
);

export type Me = z.infer<typeof meSchema>;
export type User = z.infer<typeof userSchema>;
export type PasswordChangedReply = z.infer<typeof passwordChangedSchema>;
export type UserList = z.infer<typeof userListSchema>;
export type TokenInfo = z.infer<typeof tokenInfoSchema>;
export type TokenList = z.infer<typeof tokenListSchema>;
export type CreatedToken = z.infer<typeof createdTokenSchema>;

/** A web session as listed: never its id or CSRF token. */
export const sessionInfoSchema = named(
  'SessionInfo',
  z.object({
    id: z.string(),
    username: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    address: z.string().nullable(),
  }),
);

/** `GET /api/auth/sessions`. */
export const sessionListSchema = named(
  'SessionList',
  z.object({ sessions: z.array(sessionInfoSchema) }),
);
export type SessionList = z.infer<typeof sessionListSchema>;
