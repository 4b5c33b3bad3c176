/**
 * Who calls, and what they may do: the access model every entry point (HTTP, NATS, CLI) shares.
 * Pure: authenticating a caller (a session cookie, a bearer token, a NATS user) is the auth
 * component's work; deciding what a principal may call is here, so one rule applies everywhere.
 */

/** Roles, weakest first: each may do what the ones before it may. */
export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What an operation or route needs: `public` (anyone, signed in or not: health, the sign-in
 * page, static assets, the OpenAPI document) or a role.
 */
export type Access = 'public' | Role;

/**
 * An authenticated caller. `name` is what events record as their `actor`: `user:<username>`,
 * `token:<token name>`, `component:<component>`, or `local` for the no-sign-in mode on loopback.
 * `scopes` is where per-context access will go (an empty list: the whole node).
 */
export interface Principal {
  readonly kind: 'user' | 'token' | 'component' | 'local';
  readonly name: string;
  readonly role: Role;
  readonly scopes: readonly string[];
}

/** The single user of a node that runs without sign-in (loopback only, said at start). */
export const LOCAL_PRINCIPAL: Principal = {
  kind: 'local',
  name: 'local',
  role: 'admin',
  scopes: [],
};

/** True when `role` is at least `needed`. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * What a caller may do with something that needs `access`: allowed, or refused as not signed in
 * (HTTP 401) or as lacking the role (403). A value, not an exception: the entry point maps it.
 */
export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'unauthenticated' | 'forbidden' };

export function decideAccess(principal: Principal | undefined, access: Access): AccessDecision {
  if (access === 'public') return { allowed: true };
  if (principal === undefined) return { allowed: false, reason: 'unauthenticated' };
  return roleAllows(principal.role, access)
    ? { allowed: true }
    : { allowed: false, reason: 'forbidden' };
}
