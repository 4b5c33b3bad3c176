import { z } from 'zod';
import { ROLES } from '../../core/access.js';
import { ForbiddenError } from '../../core/errors.js';
import { actorOf, defineOperation } from '../operation.js';
import {
  authDoneSchema,
  createdTokenSchema,
  meSchema,
  passwordChangedSchema,
  sessionListSchema,
  tokenListSchema,
  userListSchema,
  userSchema,
} from '../schemas/auth.js';

const role = z.enum(ROLES);
const username = z.string().min(1).max(64);
const password = z.string().min(1).max(1024);
const tokenName = z.string().min(1).max(64);
/** `30d`, `12h`, `90m`: how long a token stays valid. */
const expires = z
  .string()
  .regex(/^[1-9][0-9]{0,5}[mhd]$/, 'a duration such as 30d, 12h or 90m')
  .optional();

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The ISO time `expires` (`30d`) from now, or null for a token that does not expire. */
function expiryOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const unit = value.slice(-1) as keyof typeof UNIT_MS;
  return new Date(Date.now() + Number(value.slice(0, -1)) * UNIT_MS[unit]).toISOString();
}

// Users, tokens and sessions are changed by the events component, whose NATS user may write
// events and the auth buckets; a ui running alone asks it over NATS. Only auth-me runs anywhere.

/** `GET /api/auth/me`: who the caller is, and whether this node requires sign-in. */
export const me = defineOperation({
  component: 'node',
  name: 'auth-me',
  summary: 'The caller’s principal (null when not signed in) and whether sign-in is required.',
  access: 'public',
  http: { method: 'GET', path: '/api/auth/me' },
  input: z.object({}),
  output: meSchema,
  async handle(_input, ctx, call) {
    const p = call.principal;
    return {
      principal: p ? { kind: p.kind, name: p.name, role: p.role } : null,
      signInRequired: ctx.signInRequired(),
    };
  },
});

/**
 * `POST /api/auth/tokens`: a username and password exchanged for an API token with the user's
 * role (what `cim login` stores). Public, as a sign-in is: the password is the credential, and
 * attempts are limited per account and per address.
 */
export const signInForToken = defineOperation({
  component: 'events',
  name: 'auth-token',
  summary: 'Exchange a username and password for an API token with the user’s role (cim login).',
  access: 'public',
  http: { method: 'POST', path: '/api/auth/tokens', status: 201 },
  input: z.object({ username, password, name: tokenName.optional(), expires }).strict(),
  output: createdTokenSchema,
  async handle(input, ctx, call) {
    const principal = await ctx.auth.signIn(input.username, input.password, call.address ?? null);
    const { token, record } = await ctx.auth.createToken(
      {
        ...(input.name !== undefined ? { name: input.name } : {}),
        role: principal.role,
        expiresAt: expiryOf(input.expires ?? '30d'),
        user: input.username,
      },
      principal.name,
    );
    return { token, info: record };
  },
});

/** `POST /api/users`: a new user (the first admin comes from `cim admin create`). */
export const createUser = defineOperation({
  component: 'events',
  name: 'users-create',
  summary: 'Create a user with a role and a password.',
  access: 'admin',
  http: { method: 'POST', path: '/api/users', status: 201 },
  input: z.object({ username, password, role }).strict(),
  output: userSchema,
  async handle(input, ctx, call) {
    return ctx.auth.createUser(input, actorOf(call));
  },
});

/** `GET /api/users`: every user and its role. */
export const listUsers = defineOperation({
  component: 'events',
  name: 'users-list',
  summary: 'Every user and its role.',
  access: 'admin',
  http: { method: 'GET', path: '/api/users' },
  input: z.object({}),
  output: userListSchema,
  async handle(_input, ctx) {
    return {
      users: ctx.auth.directory
        .listUsers()
        .map((u) => ({ username: u.username, role: u.role, createdAt: u.createdAt })),
    };
  },
});

/** `POST /api/users/{username}/role`: gives a user another role. */
export const changeUserRole = defineOperation({
  component: 'events',
  name: 'users-role',
  summary: 'Give a user another role.',
  access: 'admin',
  http: { method: 'POST', path: '/api/users/:username/role' },
  input: z.object({ username, role }).strict(),
  output: authDoneSchema,
  async handle(input, ctx, call) {
    await ctx.auth.changeRole(input.username, input.role, actorOf(call));
    return { ok: true as const };
  },
});

/**
 * `POST /api/auth/password`: the signed-in user's own password, changed by giving the current
 * one. Only a user may: a token made for a service, or the no-sign-in mode, has no password.
 */
export const changeOwnPassword = defineOperation({
  component: 'events',
  name: 'auth-password',
  summary: 'Change your own password (the current one is required); your sessions end.',
  access: 'reader',
  http: { method: 'POST', path: '/api/auth/password' },
  input: z.object({ currentPassword: password, newPassword: password }).strict(),
  output: passwordChangedSchema,
  async handle(input, ctx, call) {
    const p = call.principal;
    if (p?.kind !== 'user')
      throw new ForbiddenError(
        'Only a signed-in user has a password to change: sign in as that user (cim login), or ask an admin to reset it.',
      );
    const username = p.name.slice('user:'.length);
    const done = await ctx.auth.changePassword(
      username,
      input.currentPassword,
      input.newPassword,
      actorOf(call),
    );
    return { username, ...done };
  },
});

/** `POST /api/users/{username}/password`: an admin sets a user's password (a reset). */
export const resetUserPassword = defineOperation({
  component: 'events',
  name: 'users-password',
  summary: 'Set a user’s password (an admin’s reset); the user’s sessions end.',
  access: 'admin',
  http: { method: 'POST', path: '/api/users/:username/password' },
  input: z.object({ username, password }).strict(),
  output: passwordChangedSchema,
  async handle(input, ctx, call) {
    const done = await ctx.auth.changePassword(input.username, null, input.password, actorOf(call));
    return { username: input.username, ...done };
  },
});

/** `POST /api/tokens`: a new API token with a role; the token is in this reply only. */
export const createToken = defineOperation({
  component: 'events',
  name: 'tokens-create',
  summary: 'Make an API token with a role (shown once, stored hashed).',
  access: 'admin',
  http: { method: 'POST', path: '/api/tokens', status: 201 },
  input: z.object({ role, name: tokenName.optional(), expires }).strict(),
  output: createdTokenSchema,
  async handle(input, ctx, call) {
    const { token, record } = await ctx.auth.createToken(
      {
        ...(input.name !== undefined ? { name: input.name } : {}),
        role: input.role,
        expiresAt: expiryOf(input.expires),
      },
      actorOf(call),
    );
    return { token, info: record };
  },
});

/** `GET /api/tokens`: every token's name, role and expiry (never the token). */
export const listTokens = defineOperation({
  component: 'events',
  name: 'tokens-list',
  summary: 'Every API token: name, role, expiry, who made it.',
  access: 'admin',
  http: { method: 'GET', path: '/api/tokens' },
  input: z.object({}),
  output: tokenListSchema,
  async handle(_input, ctx) {
    return { tokens: ctx.auth.directory.listTokens() };
  },
});

/** `POST /api/tokens/{name}/revoke`: every ui process refuses the token within seconds. */
export const revokeToken = defineOperation({
  component: 'events',
  name: 'tokens-revoke',
  summary: 'Revoke an API token.',
  access: 'admin',
  http: { method: 'POST', path: '/api/tokens/:name/revoke' },
  input: z.object({ name: tokenName }).strict(),
  output: authDoneSchema,
  async handle(input, ctx, call) {
    await ctx.auth.revokeToken(input.name, actorOf(call));
    return { ok: true as const };
  },
});

/** `GET /api/auth/sessions`: every web session (who, since when, from where). */
export const listSessions = defineOperation({
  component: 'events',
  name: 'sessions-list',
  summary: 'Every web session: user, start, expiry and address.',
  access: 'admin',
  http: { method: 'GET', path: '/api/auth/sessions' },
  input: z.object({}),
  output: sessionListSchema,
  async handle(_input, ctx) {
    return {
      sessions: ctx.auth.directory
        .listSessions()
        .map(({ id, username, createdAt, expiresAt, address }) => ({
          id,
          username,
          createdAt,
          expiresAt,
          address,
        })),
    };
  },
});

/** `POST /api/auth/sessions/{id}/revoke`: ends a web session on every ui process. */
export const revokeSession = defineOperation({
  component: 'events',
  name: 'sessions-revoke',
  summary: 'End a web session.',
  access: 'admin',
  http: { method: 'POST', path: '/api/auth/sessions/:id/revoke' },
  input: z.object({ id: z.string().min(1).max(64) }).strict(),
  output: authDoneSchema,
  async handle(input, ctx, call) {
    await ctx.auth.revokeSession(input.id, actorOf(call));
    return { ok: true as const };
  },
});
