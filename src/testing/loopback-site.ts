import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One page a {@link LoopbackSite} serves. */
export interface SitePage {
  readonly body: string | Buffer;
  readonly type?: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Milliseconds before the answer starts (a slow server). */
  readonly delayMs?: number;
  /** Sent in chunks without a Content-Length, so only counting while reading sees its size. */
  readonly chunked?: boolean;
}

/** One request the site received, as its log keeps it. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

/**
 * A real HTTP server on a free loopback port serving pages from a map, for the feed and web
 * connectors' tests: it logs every request (so a test proves what was and was not asked for),
 * sends an ETag of each body and answers 304 to a matching If-None-Match, like a real site.
 */
export class LoopbackSite {
  readonly pages = new Map<string, SitePage>();
  readonly log: LoggedRequest[] = [];
  /** Whether pages get ETags (and 304 answers). */
  etags = true;
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Starts a site on 127.0.0.1, port 0. */
  static async start(): Promise<LoopbackSite> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const site = new LoopbackSite(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => site.answer(req, res));
    return site;
  }

  /** The absolute URL of `path`. */
  url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Requests for `path` in the log. */
  requestsFor(path: string): LoggedRequest[] {
    return this.log.filter((r) => r.path === path);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.log.push({ method: req.method ?? 'GET', path, headers: req.headers, at: Date.now() });
    const page = this.pages.get(path);
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      const body = typeof page.body === 'string' ? Buffer.from(page.body) : page.body;
      const headers: Record<string, string> = {
        'content-type': page.type ?? 'text/html; charset=utf-8',
        ...page.headers,
      };
      const status = page.status ?? 200;
      if (this.etags && status === 200) {
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
        headers.etag = etag;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag }).end();
          return;
        }
      }
      if (page.chunked === true) {
        res.writeHead(status, headers);
        for (let at = 0; at < body.byteLength; at += 16_384)
          res.write(body.subarray(at, at + 16_384));
        res.end();
        return;
      }
      res.writeHead(status, { ...headers, 'content-length': String(body.byteLength) }).end(body);
    };
    if (page.delayMs !== undefined) setTimeout(send, page.delayMs);
    else send();
  }

  /** Stops the server, dropping open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
