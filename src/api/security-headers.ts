import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The web app's content security policy: only this origin, no inline scripts, no framing of the
 * app itself, no `<base>` rewriting. Inline styles stay allowed for React's style attributes;
 * `object-src`/`frame-src 'self'` for the previews of PDFs and sandboxed content.
 */
export const APP_CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'style-src': ["'self'", "'unsafe-inline'"],
  'object-src': ["'self'"],
  'frame-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
} as const;

/**
 * What content served from `/api/units/{cid}/content` may do: nothing. Anyone's upload is served
 * from the UI's origin, so an HTML or SVG unit opened in the browser must not run script there;
 * `sandbox` gives it an opaque origin even when framed by the app.
 */
export const CONTENT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/**
 * Security headers on every response (helmet): the app's CSP, no MIME sniffing, no referrer, no
 * cross-origin reads or openers, HSTS when the server speaks TLS. The content route replaces the
 * CSP with {@link CONTENT_CSP}.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  options: { readonly tls: boolean },
): void {
  void app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(
        Object.entries(APP_CSP_DIRECTIVES).map(([name, values]) => [name, [...values]]),
      ),
    },
    referrerPolicy: { policy: 'no-referrer' },
    // The app frames its own content previews; framing by any other site is refused.
    xFrameOptions: { action: 'sameorigin' },
    strictTransportSecurity: options.tls ? { maxAge: 31_536_000 } : false,
  });
}
