import { Parser } from 'htmlparser2';

/** What a crawl reads of an HTML page: where it links, and its title for the unit's name. */
export interface PageLinks {
  readonly links: readonly string[];
  readonly title: string | undefined;
}

const LINKING = new Map([
  ['a', 'href'],
  ['area', 'href'],
  ['frame', 'src'],
  ['iframe', 'src'],
]);

/**
 * The http(s) links of an HTML page, resolved against its URL or its `<base href>`, fragments
 * stripped, each once, in document order; `javascript:`, `mailto:`, `data:` and the like are
 * dropped. htmlparser2 reads any HTML (as browsers do), so bad nesting still yields its links.
 */
export function pageLinks(html: string, pageUrl: string): PageLinks {
  const links = new Set<string>();
  let base = pageUrl;
  let inTitle = false;
  let title: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'base' && attributes.href !== undefined) {
          base = resolve(attributes.href, pageUrl) ?? base;
          return;
        }
        if (name === 'title' && title === undefined) {
          inTitle = true;
          title = '';
          return;
        }
        const attribute = LINKING.get(name);
        const href = attribute === undefined ? undefined : attributes[attribute];
        if (href === undefined) return;
        const link = resolve(href, base);
        if (link !== undefined) links.add(link);
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  const cleanTitle = title?.replace(/\s+/g, ' ').trim();
  return { links: [...links], title: cleanTitle === '' ? undefined : cleanTitle };
}

function resolve(href: string, base: string): string | undefined {
  try {
    const url = new URL(href.trim(), base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}
