import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whether `header` (`X-Hub-Signature-256`, GitHub's form `sha256=<hex>`) is the HMAC-SHA256 of
 * `body` under `secret`. Compared in constant time, so the answer's timing tells nothing.
 */
export function signatureMatches(
  secret: string,
  body: Uint8Array,
  header: string | undefined,
): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (match === null) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/** Whether `header` (`Authorization`) is `Bearer <token>`, compared in constant time. */
export function bearerMatches(token: string, header: string | undefined): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  if (match === null) return false;
  // Hashing first makes both sides one length, so the compare leaks not even the length.
  const digest = (text: string) => createHmac('sha256', 'cim-webhook').update(text).digest();
  return timingSafeEqual(digest(token), digest(match[1]!));
}
