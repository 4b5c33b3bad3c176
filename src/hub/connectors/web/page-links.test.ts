import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageLinks } from './page-links.js';
import { sitemapLocations } from './sitemap-locations.js';
import { UrlScope } from './url-scope.js';

test('links are resolved against the page, fragments stripped, only http(s), each once', () => {
  const { links, title } = pageLinks(
    `<title> A  page </title><a href="b#x">b</a><a href="/c">c</a><a href="b">again</a>
     <a href="javascript:alert(1)">js</a><a href="mailto:x@y">m</a><a href="#top">top</a>
     <area href="https://other.example/d"><iframe src="e.html"></iframe><div><a href="f">unclosed`,
    'https://site.example/dir/page.html',
  );
  assert.equal(title, 'A page');
  assert.deepEqual(links, [
    'https://site.example/dir/b',
    'https://site.example/c',
    'https://site.example/dir/page.html',
    'https://other.example/d',
    'https://site.example/dir/e.html',
    'https://site.example/dir/f',
  ]);
});

test('<base href> changes what relative links resolve against', () => {
  const { links } = pageLinks(
    '<head><base href="https://cdn.example/root/"></head><a href="x">x</a>',
    'https://site.example/a/b',
  );
  assert.deepEqual(links, ['https://cdn.example/root/x']);
});

test('a sitemap lists pages, a sitemap index lists sitemaps', () => {
  assert.deepEqual(
    sitemapLocations(
      '<urlset><url><loc> https://s.example/a </loc></url><url><loc>https://s.example/b?x=1&amp;y=2</loc></url></urlset>',
    ),
    { pages: ['https://s.example/a', 'https://s.example/b?x=1&y=2'], sitemaps: [] },
  );
  assert.deepEqual(
    sitemapLocations(
      '<sitemapindex><sitemap><loc>https://s.example/s1.xml</loc></sitemap></sitemapindex>',
    ),
    { pages: [], sitemaps: ['https://s.example/s1.xml'] },
  );
});

test('the scope keeps a crawl on its origin, within include and outside exclude', () => {
  const scope = new UrlScope('https://site.example/docs/', {
    sameOrigin: true,
    include: ['https://site.example/docs/', 'https://site.example/*.html'],
    exclude: ['https://site.example/docs/old/'],
  });
  assert.equal(scope.allows(new URL('https://site.example/docs/a')), true);
  assert.equal(scope.allows(new URL('https://site.example/x/y.html')), true);
  assert.equal(scope.allows(new URL('https://site.example/x/y.txt')), false);
  assert.equal(scope.allows(new URL('https://site.example/docs/old/a')), false);
  assert.equal(scope.allows(new URL('https://other.example/docs/a')), false);
  const open = new UrlScope('https://site.example/', {
    sameOrigin: false,
    include: [],
    exclude: [],
  });
  assert.equal(open.allows(new URL('https://other.example/')), true);
});
