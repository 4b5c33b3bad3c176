import { createHash } from 'node:crypto';
import type { ConnectorContext, ItemSink } from '../../../plugins/plugin-api.js';
import { FetchError } from '../http/fetch-error.js';
import type { HttpFetcher } from '../http/http-fetcher.js';
import type { PageCache } from './page-cache.js';
import { RobotsRules } from './robots-rules.js';
import { sitemapLocations } from './sitemap-locations.js';
import { UrlScope } from './url-scope.js';
import { readPage } from './web-page.js';
import type { WebCursor, WebSettings } from './web-settings.js';

/** Most sitemap files one crawl reads (a sitemap index may name many). */
const MAX_SITEMAPS = 50;

type Frontier = NonNullable<WebCursor['crawl']>;

/** A URL's short digest, as a crawl's checkpoint lists the pages it has fetched. */
const urlDigest = (url: string): string =>
  createHash('sha256').update(url).digest('base64url').slice(0, 16);

/**
 * One crawl of a site, from its start URL (and the sitemaps its robots.txt lists) or from a
 * checkpoint of a crawl in progress: breadth first, `concurrency` pages at a time, within the
 * scope, depth and page limits, never requesting what robots.txt disallows. Each page is
 * handed on raw; a page that fails is recorded and the crawl goes on.
 */
export class WebCrawl {
  private readonly scope: UrlScope;
  private readonly robots: RobotsRules;
  private readonly queue: [string, number][];
  private readonly visited: Set<string>;
  /** Digests of every URL fetched or queued, so none is queued twice. */
  private readonly known: Set<string>;
  private readonly inFlight = new Map<string, number>();
  private pages: number;
  private sinceCheckpoint = 0;

  constructor(
    private readonly settings: WebSettings,
    private readonly fetcher: HttpFetcher,
    private readonly cache: PageCache,
    private readonly ctx: ConnectorContext,
    private readonly sink: ItemSink,
    resumed: Frontier | undefined,
  ) {
    this.scope = new UrlScope(settings.url, settings);
    this.robots = new RobotsRules(fetcher, settings.maxCrawlDelayMs);
    this.queue = resumed?.queue.map(([url, depth]) => [url, depth]) ?? [[settings.url, 0]];
    this.visited = new Set(resumed?.visited);
    this.known = new Set([...this.visited, ...this.queue.map(([url]) => urlDigest(url))]);
    this.pages = resumed?.pages ?? 0;
    this.resumed = resumed !== undefined;
  }

  private readonly resumed: boolean;
  /** What ended the crawl as a whole: the start page failing, or an unexpected error. */
  private failure: Error | undefined;
  private readonly waiters: (() => void)[] = [];

  /** Runs the crawl to its end (or until the connector stops); resolves with the pages fetched. */
  async run(): Promise<{ pages: number; complete: boolean }> {
    if (!this.resumed) await this.seedFromSitemaps();
    const workers = Array.from({ length: this.settings.concurrency }, () => this.work());
    await Promise.all(workers);
    if (this.failure !== undefined) throw this.failure;
    return { pages: this.pages, complete: !this.ctx.signal.aborted };
  }

  /** The frontier as a checkpoint: pages being fetched count as not fetched yet. */
  frontier(): Frontier {
    const inFlight = new Set([...this.inFlight.keys()].map(urlDigest));
    return {
      queue: [...this.inFlight, ...this.queue],
      visited: [...this.visited].filter((digest) => !inFlight.has(digest)),
      pages: this.pages,
    };
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.ctx.signal.aborted || this.failure !== undefined) return;
      if (this.pages >= this.settings.maxPages) return;
      const next = this.queue.shift();
      if (next === undefined) {
        // Another worker may still find links: wait for it rather than end the crawl early.
        if (this.inFlight.size === 0) return;
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const [url, depth] = next;
      const digest = urlDigest(url);
      this.inFlight.set(url, depth);
      this.visited.add(digest);
      this.pages += 1;
      try {
        await this.fetchPage(url, depth);
      } catch (err) {
        if (!this.ctx.signal.aborted) {
          this.failure ??= err as Error;
          return;
        }
        // Stopped mid-page: it goes back to the frontier, so a resumed crawl fetches it.
        this.queue.unshift([url, depth]);
        this.visited.delete(digest);
        this.pages -= 1;
        return;
      } finally {
        this.inFlight.delete(url);
        this.wake();
      }
      this.sinceCheckpoint += 1;
      if (this.sinceCheckpoint >= this.settings.checkpointEvery) {
        this.sinceCheckpoint = 0;
        await this.sink.checkpoint({ v: 1, crawl: this.frontier() });
      }
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private async fetchPage(url: string, depth: number): Promise<void> {
    const cached = this.cache.get(url);
    let answer;
    try {
      answer = await this.fetcher.get(url, {
        allow: (target) => this.robots.allows(target),
        ...(cached !== undefined ? { validators: cached.validators } : {}),
      });
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      // The start page failing (or forbidden) is the site failing: the poll fails with its
      // sentence rather than quietly taking nothing.
      if (url === this.settings.url && !this.resumed && err.failure !== 'too-large') throw err;
      // Any other disallowed page was never requested; it is the site's wish, not a failure.
      if (err.failure === 'disallowed') return;
      await this.sink.fail(url, err.message);
      return;
    }
    let links: readonly string[];
    if (answer.kind === 'not-modified') {
      links = cached?.links ?? [];
    } else {
      const page = readPage(answer);
      if (page.kind === 'malformed') {
        await this.sink.fail(url, `${url} ${page.reason}: the page was not taken in.`);
        return;
      }
      await this.sink.put(page.item);
      links = page.links;
      this.cache.set(url, { validators: answer.validators, links });
    }
    if (depth < this.settings.maxDepth) this.enqueue(links, depth + 1);
  }

  private enqueue(links: readonly string[], depth: number): void {
    for (const link of links) {
      if (this.known.size >= this.settings.maxPages) return;
      const digest = urlDigest(link);
      if (this.known.has(digest) || !this.scope.allows(new URL(link))) continue;
      this.known.add(digest);
      this.queue.push([link, depth]);
    }
    this.wake();
  }

  /** Takes the pages of the sitemaps the start URL's robots.txt lists as seeds. */
  private async seedFromSitemaps(): Promise<void> {
    const start = new URL(this.settings.url);
    const pending = [...(await this.robots.sitemaps(start))];
    for (let read = 0; read < MAX_SITEMAPS; read += 1) {
      const sitemap = pending.shift();
      if (sitemap === undefined) return;
      let target: URL;
      try {
        target = new URL(sitemap);
      } catch {
        continue;
      }
      if (!this.scope.allows(target)) continue;
      let answer;
      try {
        answer = await this.fetcher.get(target.href, {
          allow: (url) => this.robots.allows(url),
          accept: 'application/xml, text/xml;q=0.9',
        });
      } catch (err) {
        if (!(err instanceof FetchError)) throw err;
        this.ctx.logger.warn({ sitemap, reason: err.message }, 'a sitemap could not be read');
        continue;
      }
      if (answer.kind === 'not-modified') continue;
      const found = sitemapLocations(answer.bytes.toString('utf8'));
      pending.push(...found.sitemaps);
      const pages = found.pages.flatMap((href) => {
        try {
          const url = new URL(href);
          url.hash = '';
          return url.protocol === 'http:' || url.protocol === 'https:' ? [url.href] : [];
        } catch {
          return [];
        }
      });
      this.enqueue(pages, 0);
    }
  }
}
