import { Parser } from 'htmlparser2';

/** What a sitemap lists: pages (`<urlset>`) or more sitemaps (`<sitemapindex>`). */
export interface SitemapLocations {
  readonly pages: readonly string[];
  readonly sitemaps: readonly string[];
}

/**
 * The `<loc>` entries of a sitemap (sitemaps.org), as pages or nested sitemaps. A crawl takes
 * them as seeds besides its start URL, so pages no other page links to are found too.
 */
export function sitemapLocations(xml: string): SitemapLocations {
  const pages: string[] = [];
  const sitemaps: string[] = [];
  const stack: string[] = [];
  let loc: string | undefined;
  const parser = new Parser(
    {
      onopentag(name) {
        stack.push(name);
        if (name === 'loc') loc = '';
      },
      ontext(text) {
        if (loc !== undefined) loc += text;
      },
      onclosetag(name) {
        stack.pop();
        if (name !== 'loc' || loc === undefined) return;
        const parent = stack.at(-1);
        const value = loc.trim();
        loc = undefined;
        if (value === '') return;
        if (parent === 'url') pages.push(value);
        else if (parent === 'sitemap') sitemaps.push(value);
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
  return { pages, sitemaps };
}
