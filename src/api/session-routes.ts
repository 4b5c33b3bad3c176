import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../auth/auth-service.js';
import { SESSION_MS } from '../auth/auth-service.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth/session-authenticator.js';
import { parseInput } from './problem.js';

/** `POST /api/auth/sign-in`'s body. */
export const signInBodySchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) })
  .strict();

/**
 * Browser sign-in and sign-out: routes rather than operations, because they set and clear the
 * session cookies. The session id goes in `cim_session` (HttpOnly: no script reads it), its CSRF
 * token in `cim_csrf` (readable: the page sends it back as `X-CSRF-Token` on every change).
 */
export function registerSessionRoutes(
  app: FastifyInstance,
  auth: AuthService,
  secure: boolean,
  send: (reply: FastifyReply, err: unknown, url: string) => FastifyReply,
): void {
  const base = { path: '/', sameSite: 'lax' as const, secure };
  app.post('/api/auth/sign-in', async (request: FastifyRequest, reply) => {
    try {
      const { username, password } = parseInput(signInBodySchema, request.body, 'sign-in');
      const principal = await auth.signIn(username, password, request.ip);
      const session = await auth.createSession(username, request.ip);
      const maxAge = Math.floor(SESSION_MS / 1000);
      return reply
        .setCookie(SESSION_COOKIE, session.sessionId, { ...base, httpOnly: true, maxAge })
        .setCookie(CSRF_COOKIE, session.csrfToken, { ...base, httpOnly: false, maxAge })
        .send({
          principal: { kind: principal.kind, name: principal.name, role: principal.role },
          csrfToken: session.csrfToken,
        });
    } catch (err) {
      return send(reply, err, request.url);
    }
  });
  app.post('/api/auth/sign-out', async (request, reply) => {
    try {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await auth.endSession(sessionId);
      return reply
        .clearCookie(SESSION_COOKIE, base)
        .clearCookie(CSRF_COOKIE, base)
        .send({ ok: true });
    } catch (err) {
      return send(reply, err, request.url);
    }
  });
}
