import type { SourceItem } from '../../../plugins/plugin-api.js';
import type { FetchedBody } from '../http/http-fetcher.js';
import { pageLinks } from './page-links.js';

/** A fetched page, as an item and the links a crawl may follow. */
export type ReadPage =
  | { readonly kind: 'page'; readonly item: SourceItem; readonly links: readonly string[] }
  | { readonly kind: 'malformed'; readonly reason: string };

const HTML = /^(text\/html|application\/xhtml\+xml)\b/i;

/**
 * Turns a response into the item stored (the HTTP body as it came, its media type from
 * Content-Type, the URL asked for as its source) and, for HTML, its links. HTML is read as
 * leniently as browsers read it; a body served as HTML that is not text in its charset (binary
 * bytes, broken UTF-8) is malformed, and fails that page only.
 */
export function readPage(body: FetchedBody): ReadPage {
  const bytes = body.bytes;
  let links: readonly string[] = [];
  let title: string | undefined;
  const contentType = body.contentType;
  if (contentType !== undefined && HTML.test(contentType)) {
    const charset = /charset=["']?([^;"'\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
    let html: string;
    try {
      html = new TextDecoder(charset, { fatal: true }).decode(bytes);
    } catch {
      return { kind: 'malformed', reason: `is served as HTML but is not ${charset} text` };
    }
    if (html.includes('\u0000')) {
      return { kind: 'malformed', reason: 'is served as HTML but holds binary data' };
    }
    ({ links, title } = pageLinks(html, body.finalUrl));
  }
  const name = title ?? nameOf(new URL(body.url));
  return {
    kind: 'page',
    links,
    item: {
      source: body.url,
      name,
      ...(contentType !== undefined ? { mediaType: contentType } : {}),
      size: bytes.byteLength,
      open: async function* () {
        yield bytes;
      },
    },
  };
}

/** A page's name without a title: the last segment of its path, else its host. */
function nameOf(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment) || url.host;
  } catch {
    return segment || url.host;
  }
}
