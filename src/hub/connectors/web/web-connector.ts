import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
} from '../../../plugins/plugin-api.js';
import { checkConnectorSettings } from '../http/check-settings.js';
import { HttpFetcher } from '../http/http-fetcher.js';
import { PageCache } from './page-cache.js';
import { WebCrawl } from './web-crawl.js';
import { readPage } from './web-page.js';
import { webCursorSchema, webSettingsSchema } from './web-settings.js';
import type { WebCursor, WebSettings } from './web-settings.js';

/** Reads a recorded cursor, or says in one sentence why it cannot be. */
function readCursor(cursor: ConnectorJson | null): WebCursor {
  if (cursor === null) return { v: 1 };
  const parsed = webCursorSchema.safeParse(cursor);
  if (!parsed.success) {
    throw new Error(
      'The recorded cursor is not a web cursor of version 1: rewind the connector to an earlier checkpoint or to the start.',
    );
  }
  return parsed.data;
}

/** One web connector, running: a page fetched on each poll, or a site crawled. */
class WebSession implements ConnectorSession {
  private readonly fetcher: HttpFetcher;
  private readonly cache: PageCache;

  constructor(
    private readonly settings: WebSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.fetcher = new HttpFetcher(settings, ctx.signal);
    this.cache = new PageCache(settings.maxPages);
  }

  poll(recorded: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    const cursor = readCursor(recorded);
    return this.settings.crawl ? this.crawl(cursor, sink) : this.fetchPage(cursor, sink);
  }

  /** The one page: asked for conditionally, taken when it changed; failing, it fails the poll. */
  private async fetchPage(cursor: WebCursor, sink: ItemSink): Promise<WebCursor> {
    const answer = await this.fetcher.get(this.settings.url, {
      ...(cursor.page !== undefined ? { validators: cursor.page } : {}),
    });
    if (answer.kind === 'not-modified') {
      await sink.checkpoint(cursor);
      return cursor;
    }
    const page = readPage(answer);
    let next: WebCursor = { v: 1 };
    if (page.kind === 'malformed') {
      await sink.fail(
        this.settings.url,
        `${this.settings.url} ${page.reason}: the page was not taken in.`,
      );
    } else if ((await sink.put(page.item)) !== 'failed') {
      next = { v: 1, page: answer.validators };
    }
    await sink.checkpoint(next);
    return next;
  }

  private async crawl(cursor: WebCursor, sink: ItemSink): Promise<WebCursor> {
    const crawl = new WebCrawl(
      this.settings,
      this.fetcher,
      this.cache,
      this.ctx,
      sink,
      cursor.crawl,
    );
    const { pages, complete } = await crawl.run();
    const next: WebCursor = complete
      ? { v: 1, lastCrawl: { pages, finishedAt: new Date().toISOString() } }
      : { v: 1, crawl: crawl.frontier() };
    await sink.checkpoint(next);
    return next;
  }
}

/**
 * The `web` connector kind: a URL fetched on a schedule (a new version only when it changed),
 * or a site crawled within its origin, depth, page and robots.txt limits, each page stored as
 * its raw HTTP body. See docs/hub.md, "web connector".
 */
export const webConnector: ConnectorDefinition = {
  version: '1.0.0',
  description: 'Takes in a web page on a schedule, or crawls a site, storing each page as fetched.',
  defaultIntervalMs: 60 * 60_000,
  checkSettings: (settings) => checkConnectorSettings(webSettingsSchema, settings),
  open: (settings, ctx) => new WebSession(webSettingsSchema.parse(settings), ctx),
};
