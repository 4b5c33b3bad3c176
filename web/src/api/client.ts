/** An API failure, its message one sentence a person can act on. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The node's RFC 7807 problem document, as far as the app reads it. */
interface Problem {
  readonly detail?: string;
  readonly title?: string;
  readonly code?: string;
}

/** Turns a failed response into an ApiError carrying the problem's sentence. */
export async function failureOf(response: Response): Promise<ApiError> {
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // Not a problem document (a proxy's page, say): the status line is all there is.
  }
  const message =
    problem.detail ??
    problem.title ??
    `The node answered ${response.status} ${response.statusText || ''}`.trim() + '.';
  return new ApiError(message, response.status, problem.code);
}

const UNREACHABLE = 'The node did not answer: check that it is running, then try again.';

/** Where the app asks for a username and password. */
export const SIGN_IN_PATH = '/sign-in';

/**
 * The session's CSRF token (cookie `cim_csrf`, set at sign-in): every request that changes
 * something sends it as `X-CSRF-Token`, which another site cannot read to forge.
 */
export function csrfHeaders(): Record<string, string> {
  const match = /(?:^|;\s*)cim_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] ? { 'x-csrf-token': decodeURIComponent(match[1]) } : {};
}

/** Sends the browser to the sign-in page, to come back here once signed in. */
export function askForSignIn(): void {
  if (window.location.pathname === SIGN_IN_PATH) return;
  const back = window.location.pathname + window.location.search;
  window.location.assign(`${SIGN_IN_PATH}?next=${encodeURIComponent(back)}`);
}

/**
 * GETs (or sends) JSON to the node's API; failures are ApiErrors with a sentence. A 401 (not
 * signed in, or the session ended) sends the browser to the sign-in page.
 */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  const method = (init.method ?? 'GET').toUpperCase();
  try {
    response = await fetch(path, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(method === 'GET' || method === 'HEAD' ? {} : csrfHeaders()),
        ...(init.headers ?? {}),
      },
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(UNREACHABLE, 0, undefined);
  }
  if (response.status === 401 && !path.startsWith('/api/auth/')) askForSignIn();
  if (!response.ok) throw await failureOf(response);
  return (await response.json()) as T;
}

/** POSTs a JSON body. */
export function post<T>(path: string, body: unknown = {}): Promise<T> {
  return api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A query string from defined, non-empty values. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Where a unit's bytes are served. */
export function contentUrl(unitCid: string, download = false): string {
  return `/api/units/${encodeURIComponent(unitCid)}/content${download ? '?download=1' : ''}`;
}
