import { FetchError } from './fetch-error.js';
import type { FetchLimits } from './fetch-limits.js';
import { HostRateLimiter } from './host-rate-limiter.js';
import { CIM_USER_AGENT } from './user-agent.js';
import { conditionalHeaders, validatorsOf } from './validators.js';
import type { Validators } from './validators.js';

/** A response body the fetcher read in full, within the limits. */
export interface FetchedBody {
  readonly kind: 'body';
  /** The URL asked for (the item's source), not the one redirected to. */
  readonly url: string;
  /** The URL that answered, after redirects: relative links resolve against it. */
  readonly finalUrl: string;
  readonly status: number;
  /** The Content-Type as the server sent it, if it did. */
  readonly contentType: string | undefined;
  readonly validators: Validators;
  readonly bytes: Buffer;
}

/** The server answered 304: nothing changed since the validators sent. */
export interface NotModified {
  readonly kind: 'not-modified';
  readonly url: string;
}

/** Options of one fetch. */
export interface FetchOptions {
  /** Sent as If-None-Match / If-Modified-Since; a 304 answer is then `not-modified`. */
  readonly validators?: Validators;
  /**
   * Decides, before each request (the first and every redirect hop), whether a URL may be
   * requested at all (robots.txt); a refused URL is never requested.
   */
  readonly allow?: (url: URL) => boolean | Promise<boolean>;
  readonly accept?: string;
  /** A 4xx/5xx answer is returned as a body instead of failing (robots.txt reads its 404). */
  readonly acceptErrors?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches URLs for the feed and web connectors with Node's fetch: redirects followed by hand
 * (at most `maxRedirects`, only to http and https, each hop checked by `allow` and rate
 * limited), a time limit per response, the size limit counted while reading (the connection is
 * dropped beyond it), conditional requests, a User-Agent naming CIM and a rate per host.
 */
export class HttpFetcher {
  readonly limits: FetchLimits;
  readonly rate: HostRateLimiter;
  private readonly signal: AbortSignal;

  constructor(limits: FetchLimits, signal: AbortSignal) {
    this.limits = limits;
    this.signal = signal;
    this.rate = new HostRateLimiter(limits.ratePerHost);
  }

  /** Fetches `url`; fails with a {@link FetchError} whose message is one sentence. */
  async get(url: string, options: FetchOptions = {}): Promise<FetchedBody | NotModified> {
    let current = parseHttpUrl(url, url);
    for (let hop = 0; ; hop += 1) {
      if (options.allow !== undefined && !(await options.allow(current))) {
        throw new FetchError(
          'disallowed',
          url,
          `${current.href} is disallowed by its site's robots.txt, so it was not requested.`,
        );
      }
      await this.rate.take(current.host, this.signal);
      const answer = await this.request(url, current, options);
      if (answer instanceof URL) {
        if (hop >= this.limits.maxRedirects) {
          throw new FetchError(
            'redirect',
            url,
            `${url} redirected more than ${this.limits.maxRedirects} times: fix the link or raise settings.maxRedirects.`,
          );
        }
        current = answer;
        continue;
      }
      return answer;
    }
  }

  private async request(
    url: string,
    target: URL,
    options: FetchOptions,
  ): Promise<FetchedBody | NotModified | URL> {
    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    const signal = AbortSignal.any([this.signal, timeout]);
    const failed = (err: unknown): never => {
      if (this.signal.aborted) throw err;
      if (err instanceof FetchError) throw err;
      if (timeout.aborted) {
        throw new FetchError(
          'timeout',
          url,
          `${target.href} did not answer within ${this.limits.timeoutMs} ms: try again later or raise settings.timeoutMs.`,
          { cause: err },
        );
      }
      const reason = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new FetchError('network', url, `${target.href} could not be fetched (${reason}).`, {
        cause: err,
      });
    };
    let response: Response;
    try {
      response = await fetch(target, {
        redirect: 'manual',
        signal,
        headers: {
          'user-agent': CIM_USER_AGENT,
          accept: options.accept ?? '*/*',
          ...conditionalHeaders(options.validators),
        },
      });
    } catch (err) {
      return failed(err);
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) {
        throw new FetchError('redirect', url, `${target.href} redirected without a Location.`);
      }
      return parseHttpUrl(location, url, target);
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { kind: 'not-modified', url };
    }
    if (response.status >= 400 && options.acceptErrors !== true) {
      await response.body?.cancel();
      throw new FetchError(
        'status',
        url,
        `${target.href} answered HTTP ${response.status} ${response.statusText}.`,
        { status: response.status },
      );
    }
    let bytes: Buffer;
    try {
      bytes = await this.readBody(url, target, response);
    } catch (err) {
      return failed(err);
    }
    return {
      kind: 'body',
      url,
      finalUrl: target.href,
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      validators: validatorsOf(response.headers),
      bytes,
    };
  }

  private async readBody(url: string, target: URL, response: Response): Promise<Buffer> {
    const max = this.limits.maxBytes;
    const tooLarge = () =>
      new FetchError(
        'too-large',
        url,
        `${target.href} is larger than ${max} bytes: raise settings.maxBytes to take it.`,
      );
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (response.body === null) return Buffer.alloc(0);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  }
}

/**
 * `href` resolved against `base` when it is an http or https URL; any other scheme (`file:`,
 * `javascript:`, `data:`) is refused: a fetch must never reach past the network.
 */
function parseHttpUrl(href: string, asked: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    throw new FetchError('redirect', asked, `${href} (reached from ${asked}) is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError(
      'redirect',
      asked,
      `${asked} leads to a ${url.protocol} URL, and only http and https are fetched.`,
    );
  }
  url.hash = '';
  return url;
}
