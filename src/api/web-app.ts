import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the web app (Vite's output), relative to this compiled module. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>CIM</title>
<p>The web app is not built in this checkout: run <code>npm run build</code> (or start the node with
<code>bash scripts/cim-dev.sh up</code>, which builds it) and reload. The HTTP API under
<code>/api</code> works without it.</p>`;

/**
 * Serves the web app at `/` (its security headers come from `registerSecurityHeaders`): its hashed assets with long caching, and `index.html` for every
 * other GET outside `/api` so the app's own routes (`/units/…`) survive a reload. Returns the
 * handler to use for requests nothing else matched, or undefined for those that are not the app's.
 */
export function registerWebApp(
  app: FastifyInstance,
  dir: string = WEB_APP_DIR,
): (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined {
  const built = existsSync(`${dir}index.html`);
  const index = built ? readFileSync(`${dir}index.html`) : Buffer.from(NOT_BUILT);
  if (built) {
    void app.register(fastifyStatic, {
      root: `${dir}assets`,
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
      index: false,
      wildcard: true,
    });
  }
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isAppRoute =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      path !== '/api' &&
      path !== '/metrics' &&
      !path.startsWith('/assets/');
    if (!isAppRoute) return undefined;
    return reply
      .status(200)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(index);
  };
}
