import type { Access } from '../core/access.js';
import type { AnyOperation } from './operation.js';
import { ROUTE_DOCS } from './route-docs.js';
import type { RouteDoc } from './route-docs.js';

/**
 * The routes served outside the operation table, each with the access it needs (in
 * {@link ROUTE_DOCS}, beside its description): with the operations' `access`, the one place
 * that says who may use what. The HTTP server refuses to register a route missing from both, so
 * nothing is served unchecked.
 */
export const ROUTE_ACCESS: readonly Pick<RouteDoc, 'method' | 'path' | 'access'>[] = ROUTE_DOCS.map(
  ({ method, path, access }) => ({ method, path, access }),
);

/**
 * Requests no route matches: the web app's pages (`index.html` for its own routes, the sign-in
 * page among them, which asks the API and so holds no data; `GET /` in {@link ROUTE_DOCS}) and
 * 404 problems.
 */
export const UNMATCHED_ACCESS: Access = 'public';

/** What each route needs, by `METHOD path`, for the operations given and {@link ROUTE_ACCESS}. */
export function routeAccessTable(operations: readonly AnyOperation[]): ReadonlyMap<string, Access> {
  const table = new Map<string, Access>();
  for (const op of operations) {
    if (op.http) table.set(`${op.http.method} ${op.http.path}`, op.access);
  }
  for (const route of ROUTE_ACCESS) table.set(`${route.method} ${route.path}`, route.access);
  return table;
}

/**
 * The access of a route as registered; a HEAD twin of a GET route (Fastify adds one) needs what
 * the GET needs. Undefined for a route nobody listed.
 */
export function accessOf(
  table: ReadonlyMap<string, Access>,
  method: string,
  path: string,
): Access | undefined {
  return (
    table.get(`${method} ${path}`) ?? (method === 'HEAD' ? table.get(`GET ${path}`) : undefined)
  );
}

/**
 * Everything anyone may call without signing in: the public operations (HTTP and NATS) and
 * public routes. The acceptance test checks that these are the only exceptions.
 */
export function publicEntries(operations: readonly AnyOperation[]): string[] {
  return [
    ...operations
      .filter((op) => op.access === 'public')
      .map((op) => (op.http ? `${op.http.method} ${op.http.path}` : `${op.component}.${op.name}`)),
    ...ROUTE_ACCESS.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`),
  ];
}
