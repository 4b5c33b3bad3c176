import { createHash } from 'node:crypto';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorJson,
  ConnectorSession,
  ItemSink,
} from '../../../plugins/plugin-api.js';
import { checkConnectorSettings } from '../http/check-settings.js';
import { FetchError } from '../http/fetch-error.js';
import { HttpFetcher } from '../http/http-fetcher.js';
import { ITEM_MEDIA_TYPES, findFeedItems } from './feed-items.js';
import type { FeedItem } from './feed-items.js';
import { MAX_CURSOR_ITEMS, feedCursorSchema, feedSettingsSchema } from './feed-settings.js';
import type { FeedCursor, FeedSettings } from './feed-settings.js';

const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, application/xml;q=0.9, */*;q=0.8';

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64url');

/** Reads a recorded cursor, or says in one sentence why it cannot be. */
function readCursor(cursor: ConnectorJson | null): FeedCursor {
  if (cursor === null) return { v: 1, items: {} };
  const parsed = feedCursorSchema.safeParse(cursor);
  if (!parsed.success) {
    throw new Error(
      'The recorded cursor is not a feed cursor of version 1: rewind the connector to an earlier checkpoint or to the start.',
    );
  }
  return parsed.data;
}

/** One feed, polled: a conditional fetch, then each new or changed item handed on raw. */
class FeedSession implements ConnectorSession {
  private readonly settings: FeedSettings;
  private readonly ctx: ConnectorContext;
  private readonly fetcher: HttpFetcher;

  constructor(settings: FeedSettings, ctx: ConnectorContext) {
    this.settings = settings;
    this.ctx = ctx;
    this.fetcher = new HttpFetcher(settings, ctx.signal);
  }

  async poll(recorded: ConnectorJson | null, sink: ItemSink): Promise<ConnectorJson> {
    const cursor = readCursor(recorded);
    const { url } = this.settings;
    const validators = {
      ...(cursor.etag !== undefined ? { etag: cursor.etag } : {}),
      ...(cursor.lastModified !== undefined ? { lastModified: cursor.lastModified } : {}),
    };
    const answer = await this.fetcher.get(url, { validators, accept: FEED_ACCEPT });
    if (answer.kind === 'not-modified') {
      await sink.checkpoint(cursor);
      return cursor;
    }
    const feed = findFeedItems(url, answer.bytes, answer.contentType);
    const items: Record<string, string> = {};
    let complete = true;
    for (const item of feed.items) {
      if (this.ctx.signal.aborted) {
        complete = false;
        break;
      }
      if (item.kind === 'malformed') {
        const source = `${url}#${encodeURIComponent(item.id ?? `item-${item.position}`)}`;
        await sink.fail(source, `Item ${item.position} of the feed at ${url} ${item.reason}.`);
        continue;
      }
      const itemDigest = digest(item.payload);
      const known = cursor.items[item.id] === itemDigest;
      if (!known && !(await this.take(item, feed.format, sink))) {
        // Left out of the cursor (and the feed's validators with it), so it is tried again.
        complete = false;
        continue;
      }
      if (Object.keys(items).length < MAX_CURSOR_ITEMS) items[item.id] = itemDigest;
    }
    const next: FeedCursor = {
      v: 1,
      ...(complete && answer.validators.etag !== undefined ? { etag: answer.validators.etag } : {}),
      ...(complete && answer.validators.lastModified !== undefined
        ? { lastModified: answer.validators.lastModified }
        : {}),
      items,
    };
    await sink.checkpoint(next);
    return next;
  }

  /** Hands one new or changed item (and its linked page) to the sink; false when it failed. */
  private async take(
    item: FeedItem,
    format: keyof typeof ITEM_MEDIA_TYPES,
    sink: ItemSink,
  ): Promise<boolean> {
    const { url, fetchLinkedPages } = this.settings;
    const ownSource = `${url}#${encodeURIComponent(item.id)}`;
    // With linked pages taken, the link is the page's source (as the web connector names it),
    // so the item keeps the feed's own name for it: one source URI is one document.
    const source = fetchLinkedPages ? ownSource : (item.link ?? ownSource);
    const outcome = await sink.put({
      source,
      name: item.title ?? item.id,
      mediaType: ITEM_MEDIA_TYPES[format],
      tags: item.categories,
      size: item.payload.byteLength,
      open: async function* () {
        yield item.payload;
      },
    });
    if (outcome === 'failed') return false;
    if (!fetchLinkedPages || item.link === undefined) return true;
    let page;
    try {
      page = await this.fetcher.get(item.link);
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      await sink.fail(item.link, err.message);
      return false;
    }
    if (page.kind === 'not-modified') return true;
    const bytes = page.bytes;
    const pageOutcome = await sink.put({
      source: item.link,
      name: item.title ?? item.link,
      ...(page.contentType !== undefined ? { mediaType: page.contentType } : {}),
      tags: item.categories,
      size: bytes.byteLength,
      open: async function* () {
        yield bytes;
      },
    });
    return pageOutcome !== 'failed';
  }
}

/**
 * The `feed` connector kind: an RSS 2.0, Atom, RDF or JSON Feed polled with conditional
 * requests; each item is stored raw (its own XML element or JSON object), deduplicated by id
 * and content, and optionally its linked page too. See docs/hub.md, "feed connector".
 */
export const feedConnector: ConnectorDefinition = {
  version: '1.0.0',
  description: 'Takes in the items of an RSS, Atom, RDF or JSON feed (and optionally their pages).',
  defaultIntervalMs: 15 * 60_000,
  checkSettings: (settings) => checkConnectorSettings(feedSettingsSchema, settings),
  open: (settings, ctx) => new FeedSession(feedSettingsSchema.parse(settings), ctx),
};
