import { parseFeed } from 'feedsmith';
import { XMLValidator } from 'fast-xml-parser';
import { MalformedFeedError } from './malformed-feed-error.js';
import { xmlItemFragments } from './xml-item-fragments.js';

/** The feed formats read. */
export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

/**
 * The media type of one item's payload by format. Atom's is RFC 5023's for an entry document;
 * the others follow it with a `type=item` parameter on their feed's type, so a processor can
 * tell an item from a whole feed and still match `application/*+xml` or `*+json`.
 */
export const ITEM_MEDIA_TYPES: Readonly<Record<FeedFormat, string>> = {
  rss: 'application/rss+xml; type=item',
  atom: 'application/atom+xml; type=entry',
  rdf: 'application/rdf+xml; type=item',
  json: 'application/feed+json; type=item',
};

/** One item of a feed document, with its raw payload. */
export interface FeedItem {
  readonly kind: 'item';
  /** Its id in the feed (guid, Atom id, JSON Feed id, else its link). */
  readonly id: string;
  readonly title: string | undefined;
  /** Its link, resolved against the feed's URL, when it is http or https. */
  readonly link: string | undefined;
  readonly categories: readonly string[];
  /** The item's own XML element or JSON object, as UTF-8. */
  readonly payload: Buffer;
}

/** An item the feed holds that cannot be taken: it fails alone. */
export interface MalformedFeedItem {
  readonly kind: 'malformed';
  /** Its place in the document, from 1. */
  readonly position: number;
  readonly id: string | undefined;
  readonly reason: string;
}

/** What a feed document holds. */
export interface FoundFeed {
  readonly format: FeedFormat;
  readonly items: readonly (FeedItem | MalformedFeedItem)[];
}

type ParsedItem = Record<string, unknown>;

/**
 * Finds the items of a feed document (RSS 2.0, Atom, RDF or JSON Feed) and each one's raw
 * payload, parsing with feedsmith only as far as naming items needs. A document that is not
 * well-formed or not a feed throws a {@link MalformedFeedError}; one bad item is returned as
 * {@link MalformedFeedItem} and the others are still found.
 */
export function findFeedItems(url: string, bytes: Buffer, contentType?: string): FoundFeed {
  const text = decodeFeed(bytes, contentType);
  return text.trimStart().startsWith('{') ? jsonItems(url, text) : xmlItems(url, text);
}

function xmlItems(url: string, xml: string): FoundFeed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new MalformedFeedError(
      url,
      `is not well-formed XML (${valid.err.msg.replace(/\.$/, '')}, line ${valid.err.line})`,
    );
  }
  const format = feedFormat(url, xml);
  const fragments = xmlItemFragments(xml);
  const closing = `</${fragments.rootName}>`;
  const seen = new Set<string>();
  const items = fragments.items.map((fragment, index): FeedItem | MalformedFeedItem => {
    // Each item is read alone in its feed's envelope, so the namespaces it uses are declared
    // and one item feedsmith cannot make sense of is told apart from the rest.
    const envelope =
      format === 'rss'
        ? `${fragments.rootOpen}${fragments.channelOpen ?? '<channel>'}${fragment}</channel>${closing}`
        : `${fragments.rootOpen}${fragment}${closing}`;
    let parsed: ParsedItem | undefined;
    try {
      const feed = parseFeed(envelope).feed as { items?: ParsedItem[]; entries?: ParsedItem[] };
      parsed = (feed.items ?? feed.entries)?.[0];
    } catch {
      parsed = undefined;
    }
    return describeItem(url, format, index + 1, parsed, Buffer.from(fragment, 'utf8'), seen);
  });
  return { format, items };
}

function jsonItems(url: string, text: string): FoundFeed {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new MalformedFeedError(url, `is not well-formed JSON (${(err as Error).message})`);
  }
  const raw = (document as { items?: unknown }).items;
  if (feedFormat(url, document) !== 'json' || !Array.isArray(raw)) {
    throw new MalformedFeedError(url, 'is JSON but not a JSON Feed (no items list)');
  }
  const version = (document as { version?: unknown }).version;
  const seen = new Set<string>();
  const items = raw.map((item: unknown, index): FeedItem | MalformedFeedItem => {
    const position = index + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { kind: 'malformed', position, id: undefined, reason: 'is not a JSON object' };
    }
    let parsed: ParsedItem | undefined;
    try {
      const feed = parseFeed({ version, title: '', items: [item] }).feed as {
        items?: ParsedItem[];
      };
      parsed = feed.items?.[0];
    } catch {
      parsed = undefined;
    }
    return describeItem(url, 'json', position, parsed, Buffer.from(JSON.stringify(item)), seen);
  });
  return { format: 'json', items };
}

function feedFormat(url: string, document: unknown): FeedFormat {
  try {
    return parseFeed(document).format as FeedFormat;
  } catch (err) {
    throw new MalformedFeedError(
      url,
      `is not an RSS, Atom, RDF or JSON feed (${(err as Error).message})`,
      { cause: err },
    );
  }
}

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && 'value' in value) {
    return text((value as { value: unknown }).value);
  }
  return undefined;
};

function httpLink(href: unknown, base: string): string | undefined {
  const value = text(href);
  if (value === undefined) return undefined;
  try {
    const link = new URL(value, base);
    return link.protocol === 'http:' || link.protocol === 'https:' ? link.href : undefined;
  } catch {
    return undefined;
  }
}

function describeItem(
  url: string,
  format: FeedFormat,
  position: number,
  parsed: ParsedItem | undefined,
  payload: Buffer,
  seen: Set<string>,
): FeedItem | MalformedFeedItem {
  const malformed = (reason: string, id?: string): MalformedFeedItem => ({
    kind: 'malformed',
    position,
    id,
    reason,
  });
  if (parsed === undefined) return malformed('holds nothing a feed item has');
  let id: string | undefined;
  let link: string | undefined;
  let categories: string[] = [];
  if (format === 'atom') {
    id = text(parsed.id);
    const links = (parsed.links as { href?: unknown; rel?: unknown }[] | undefined) ?? [];
    const alternate = links.find((l) => l.rel === undefined || l.rel === 'alternate');
    link = httpLink(alternate?.href, url);
    categories = ((parsed.categories as { term?: unknown }[] | undefined) ?? []).flatMap(
      (c) => text(c.term) ?? [],
    );
    if (id === undefined) return malformed('has no id, which Atom requires');
  } else if (format === 'json') {
    id = text(parsed.id);
    link = httpLink(parsed.url, url);
    categories = ((parsed.tags as unknown[] | undefined) ?? []).flatMap((t) => text(t) ?? []);
    if (id === undefined) return malformed('has no id, which JSON Feed requires');
  } else {
    link = httpLink(parsed.link, url);
    const rdfAbout = (parsed.rdf as { about?: unknown } | undefined)?.about;
    id = text(parsed.guid) ?? text(rdfAbout) ?? link;
    categories = ((parsed.categories as { name?: unknown }[] | undefined) ?? []).flatMap(
      (c) => text(c.name) ?? [],
    );
    if (id === undefined) {
      return malformed('has neither a guid nor a link, so it cannot be told apart from the others');
    }
  }
  if (seen.has(id)) return malformed(`repeats the id ${id} of an earlier item`, id);
  seen.add(id);
  return { kind: 'item', id, title: text(parsed.title), link, categories, payload };
}

/**
 * The feed's text: decoded by the encoding its XML declaration or Content-Type names (UTF-8
 * otherwise). Items are handed on as UTF-8, which an XML fragment without a declaration is.
 */
function decodeFeed(bytes: Buffer, contentType: string | undefined): string {
  const head = bytes.subarray(0, 200).toString('latin1');
  const label =
    /^<\?xml[^>]*encoding=["']([^"']+)["']/.exec(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, ''))?.[1] ??
    /charset=["']?([^;"'\s]+)/i.exec(contentType ?? '')?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
