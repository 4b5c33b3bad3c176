import { UnavailableError } from '../core/errors.js';
import { errorFromProblem } from './output.js';
import { authHeaders } from './credentials.js';

/** Resolves the node URL: `--url`, else `$CIM_URL`, else `http://127.0.0.1:8080`. */
export function nodeUrl(flag: string | undefined): string {
  return (flag ?? (process.env['CIM_URL'] || 'http://127.0.0.1:8080')).replace(/\/+$/, '');
}

/**
 * The error for a request that got no answer from the node, naming the network's reason
 * (`ECONNREFUSED`: nothing listens; `UND_ERR_SOCKET`: the node closed the connection), so a
 * node that is down reads differently from one that dropped a request.
 */
export function unreachable(base: string, err: unknown): UnavailableError {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const reason = typeof cause?.code === 'string' ? cause.code : (err as Error | undefined)?.message;
  return new UnavailableError(
    `No CIM node answers at ${base}${reason ? ` (${reason})` : ''}: start one with 'cim up' or pass --url.`,
    { cause: err },
  );
}

/** Calls the node's HTTP API; problems become CimErrors, an unreachable node an UnavailableError. */
export async function callNode<T>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; authorization?: string } = {},
): Promise<T> {
  let response: Response;
  try {
    const auth =
      init.authorization !== undefined ? { authorization: init.authorization } : authHeaders(base);
    response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? {
            body: JSON.stringify(init.body),
            headers: { 'content-type': 'application/json', ...auth },
          }
        : { headers: auth }),
    });
  } catch (err) {
    throw unreachable(base, err);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    throw new UnavailableError(
      `${base} answered with something other than CIM's JSON API: check --url.`,
    );
  }
  if (!response.ok) throw errorFromProblem((body ?? {}) as Record<string, string>, response.status);
  return body as T;
}
