import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopbackSite } from '../../../testing/loopback-site.js';
import { connectorContract, openSession } from '../../connector.contract.js';
import type { ConnectorFixture } from '../../connector.contract.js';
import type { ConnectorJson, ItemOutcome, SourceItem } from '../../../plugins/plugin-api.js';
import { RecordingSink } from '../../recording-sink.js';
import { webConnector } from './web-connector.js';

const html = (title: string, body: string, links: string[] = []) =>
  `<!doctype html><html><head><title>${title}</title></head><body><p>${body}</p>${links
    .map((l) => `<a href="${l}">${l}</a>`)
    .join(' ')}</body></html>`;

// The contract's items are pages no page links to: the site lists them in the sitemap its
// robots.txt names, so adding one changes no other page, and the crawl starts at the first.
connectorContract('web', async (): Promise<ConnectorFixture> => {
  const site = await LoopbackSite.start();
  const paths: string[] = [];
  const publish = () =>
    site.pages.set('/sitemap.xml', {
      type: 'application/xml',
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths
        .map((p) => `<url><loc>${site.url(p)}</loc></url>`)
        .join('')}</urlset>`,
    });
  site.pages.set('/robots.txt', {
    type: 'text/plain',
    body: `User-agent: *\nDisallow: /private/\nSitemap: ${site.url('/sitemap.xml')}\n`,
  });
  publish();
  return {
    definition: webConnector,
    get settings() {
      return { url: site.url(paths[0] ?? '/'), crawl: true, ratePerHost: 0 };
    },
    async add(label, body) {
      const path = `/pages/${label}`;
      site.pages.set(path, { body: html(label, body) });
      paths.push(path);
      publish();
      return site.url(path);
    },
    async change(source, body) {
      const path = new URL(source).pathname;
      site.pages.set(path, { body: html(path, body) });
    },
    close: () => site.close(),
  };
});

describe('web connector', () => {
  let site: LoopbackSite;
  const stop = new AbortController();
  before(async () => {
    site = await LoopbackSite.start();
  });
  after(async () => {
    stop.abort();
    await site.close();
  });

  const session = (settings: Record<string, unknown>, signal: AbortSignal = stop.signal) =>
    openSession(
      {
        definition: webConnector,
        settings: { ratePerHost: 0, ...settings },
        add: () => Promise.reject(new Error('unused')),
        change: () => Promise.reject(new Error('unused')),
        close: () => Promise.resolve(),
      },
      signal,
      '/nonexistent',
    );

  test('settings are checked, naming the field; crawling is off by default', () => {
    const bad = webConnector.checkSettings({ url: 'https://example.org/', maxDepth: -1 });
    assert.match(!bad.ok ? bad.error : '', /^settings\.maxDepth: /);
    const unknown = webConnector.checkSettings({ url: 'https://example.org/', depth: 2 });
    assert.match(!unknown.ok ? unknown.error : '', /unknown field depth/);
    const ok = webConnector.checkSettings({ url: 'https://example.org/#x' });
    assert.ok(ok.ok);
    assert.equal(ok.settings.url, 'https://example.org/');
    assert.equal(ok.settings.crawl, false);
    assert.equal(ok.settings.maxPages, 1000);
  });

  test('one page: stored, then asked for conditionally (304: nothing), then its new bytes', async () => {
    site.pages.set('/single', { body: html('Single', 'version one') });
    const page = session({ url: site.url('/single') });
    const sink = new RecordingSink();
    let cursor = await page.poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.name, i.mediaType, i.outcome]),
      [[site.url('/single'), 'Single', 'text/html; charset=utf-8', 'stored']],
    );
    sink.clear();
    cursor = await page.poll(cursor, sink);
    assert.ok(site.requestsFor('/single')[1]!.headers['if-none-match'], 'asked conditionally');
    assert.equal(sink.items.length, 0);
    site.pages.set('/single', { body: html('Single', 'version two') });
    sink.clear();
    await page.poll(cursor, sink);
    assert.deepEqual(
      sink.items.map((i) => i.outcome),
      ['stored'],
    );
    assert.match(sink.items[0]!.bytes.toString(), /version two/);
  });

  test('one page without validators: unchanged bytes are recorded seen-again', async () => {
    site.etags = false;
    try {
      site.pages.set('/plain', { body: html('Plain', 'same') });
      const page = session({ url: site.url('/plain') });
      const sink = new RecordingSink();
      const cursor = await page.poll(null, sink);
      await page.poll(cursor, sink);
      assert.deepEqual(
        sink.items.map((i) => i.outcome),
        ['stored', 'seen-again'],
      );
    } finally {
      site.etags = true;
    }
  });

  test('an unreachable page fails the poll with one sentence', async () => {
    await assert.rejects(
      session({ url: 'http://127.0.0.1:1/' }).poll(null, new RecordingSink()),
      /^Error: http:\/\/127\.0\.0\.1:1\/ could not be fetched \(.*\)\.$|could not be fetched/,
    );
  });

  test('a crawl whose start page robots.txt disallows fails with one sentence, asking nothing', async () => {
    const closed = await LoopbackSite.start();
    try {
      closed.pages.set('/robots.txt', {
        type: 'text/plain',
        body: 'User-agent: CIM\nDisallow: /\n',
      });
      closed.pages.set('/', { body: html('closed', 'never asked for') });
      await assert.rejects(
        session({ url: closed.url('/'), crawl: true }).poll(null, new RecordingSink()),
        /is disallowed by its site's robots\.txt, so it was not requested\.$/,
      );
      assert.deepEqual(
        closed.log.map((r) => r.path),
        ['/robots.txt'],
      );
    } finally {
      await closed.close();
    }
  });

  describe('a 1,000-page site', () => {
    const sections = 111;
    const perSection = 8;
    const pagePaths: string[] = [];
    before(() => {
      site.pages.set('/robots.txt', {
        type: 'text/plain',
        body: 'User-agent: *\nDisallow: /private/\n\nUser-agent: other\nDisallow: /\n',
      });
      const sectionLinks = Array.from({ length: sections }, (_, s) => `/s/${s}`);
      site.pages.set('/', {
        body: html('Home', 'the home page', [...sectionLinks, '/private/secret', '#top']),
      });
      pagePaths.push('/');
      for (let s = 0; s < sections; s += 1) {
        const children = Array.from({ length: perSection }, (_, p) => `/p/${s}/${p}`);
        site.pages.set(`/s/${s}`, {
          body: html(`Section ${s}`, `section ${s}`, [
            ...children,
            '/',
            `/private/s${s}`,
            'javascript:alert(1)',
            'mailto:someone@example.org',
          ]),
        });
        pagePaths.push(`/s/${s}`);
        for (const child of children) {
          site.pages.set(child, {
            body: html(child, `page ${child}`, [`${child}#frag`, `/s/${s}`, `/private${child}`]),
          });
          pagePaths.push(child);
        }
      }
      for (const path of [...site.pages.keys()]) {
        if (path.startsWith('/s/') || path === '/') {
          site.pages.set(`/private${path}`, { body: html('private', 'must never be fetched') });
        }
      }
      site.pages.set('/private/secret', { body: html('private', 'must never be fetched') });
      assert.equal(pagePaths.length, 1000);
    });

    const crawlSettings = () => ({
      url: site.url('/'),
      crawl: true,
      maxDepth: 3,
      maxPages: 2000,
      concurrency: 4,
    });
    let crawler: ReturnType<typeof session>;
    let cursor: ConnectorJson;
    const sink = new RecordingSink();

    test('every page is fetched and stored once, robots.txt-disallowed paths never requested', async (t) => {
      site.log.length = 0;
      crawler = session(crawlSettings());
      const started = performance.now();
      cursor = await crawler.poll(null, sink);
      const seconds = (performance.now() - started) / 1000;
      t.diagnostic(
        `crawled ${sink.items.length} pages in ${seconds.toFixed(2)} s: ${(sink.items.length / seconds).toFixed(0)} pages/s`,
      );
      const requested = site.log.map((r) => r.path);
      assert.deepEqual(
        requested.filter((p) => p.startsWith('/private')),
        [],
        'no disallowed path was requested',
      );
      assert.equal(site.requestsFor('/robots.txt').length, 1);
      const pageRequests = requested.filter((p) => p !== '/robots.txt');
      assert.deepEqual(
        [...pageRequests].sort(),
        [...pagePaths].sort(),
        'every page requested exactly once',
      );
      assert.equal(sink.withOutcome('stored').length, 1000);
      assert.deepEqual(sink.failures, []);
      assert.deepEqual(
        Object.keys(cursor as object).sort(),
        ['lastCrawl', 'v'],
        'no frontier kept between crawls',
      );
    });

    test('the next crawl of the running session asks conditionally and takes only the changed page', async () => {
      site.pages.set('/p/5/3', { body: html('/p/5/3', 'page /p/5/3, changed') });
      site.log.length = 0;
      sink.clear();
      cursor = await crawler.poll(cursor, sink);
      const conditional = site.log.filter((r) => r.headers['if-none-match'] !== undefined);
      assert.equal(conditional.length, 1000, 'every page was asked for with its ETag');
      assert.deepEqual(
        sink.items.map((i) => [i.source, i.outcome]),
        [[site.url('/p/5/3'), 'stored']],
      );
    });

    test('after a restart, a changed page is new bytes and every unchanged one seen-again', async () => {
      site.pages.set('/p/7/1', { body: html('/p/7/1', 'page /p/7/1, changed') });
      sink.clear();
      cursor = await session(crawlSettings()).poll(cursor, sink);
      const fresh = sink.items.filter((i) => i.outcome !== 'seen-again');
      assert.deepEqual(
        fresh.map((i) => [i.source, i.outcome]),
        [[site.url('/p/7/1'), 'stored']],
      );
      assert.equal(sink.withOutcome('seen-again').length, 999);
    });

    test('a crawl stopped midway checkpoints its frontier and a new session resumes it', async () => {
      const halt = new AbortController();
      const fetched: string[] = [];
      const stopping = new (class extends RecordingSink {
        override async put(item: SourceItem): Promise<ItemOutcome> {
          const outcome = await super.put(item);
          fetched.push(item.source);
          if (fetched.length === 250) halt.abort();
          return outcome;
        }
      })();
      const partial = await session({ ...crawlSettings(), checkpointEvery: 50 }, halt.signal).poll(
        null,
        stopping,
      );
      const frontier = (partial as { crawl?: { queue: unknown[]; visited: unknown[] } }).crawl;
      assert.ok(frontier !== undefined, 'the cursor holds the crawl in progress');
      assert.ok(stopping.checkpoints.length >= 5, 'checkpointed every 50 pages');
      const rest = new RecordingSink();
      await session(crawlSettings()).poll(partial, rest);
      const all = new Set([...fetched, ...rest.items.map((i) => i.source)]);
      assert.equal(all.size, 1000, 'every page arrived across the two sessions');
      const twice = rest.items.filter((i) => fetched.includes(i.source)).length;
      assert.ok(twice <= 4, `at most the pages in flight at the stop came twice (${twice})`);
    });
  });

  describe('limits: each bad page fails alone', () => {
    const base = () => site.url('/limits/');
    before(() => {
      site.pages.set('/limits/', {
        body: html('Limits', 'start', [
          '/limits/ok',
          '/limits/to-file',
          '/limits/to-js',
          '/limits/moved',
          '/limits/big',
          '/limits/big-chunked',
          '/limits/slow',
          '/limits/binary',
        ]),
      });
      site.pages.set('/limits/ok', { body: html('ok', 'fine page') });
      site.pages.set('/limits/to-file', {
        status: 302,
        headers: { location: 'file:///etc/passwd' },
        body: '',
      });
      site.pages.set('/limits/to-js', {
        status: 301,
        headers: { location: 'javascript:alert(1)' },
        body: '',
      });
      site.pages.set('/limits/moved', {
        status: 302,
        headers: { location: '/limits/ok?moved' },
        body: '',
      });
      site.pages.set('/limits/ok?moved', { body: html('moved', 'the moved page') });
      site.pages.set('/limits/big', { body: Buffer.alloc(300_000, 'a'), type: 'text/plain' });
      site.pages.set('/limits/big-chunked', {
        body: Buffer.alloc(300_000, 'b'),
        type: 'text/plain',
        chunked: true,
      });
      // Loopback answers in well under 50 ms even on a busy core: 1.5 s is the limit, 6 s the delay.
      site.pages.set('/limits/slow', { body: html('slow', 'too late'), delayMs: 6000 });
      site.pages.set('/limits/binary', {
        body: Buffer.from('<html>\u0000\u0001\u0002</html>', 'latin1'),
      });
    });

    test('redirects to file: and javascript: are refused, too large and too slow pages fail, the rest is taken', async () => {
      const sink = new RecordingSink();
      await session({ url: base(), crawl: true, maxBytes: 200_000, timeoutMs: 1500 }).poll(
        null,
        sink,
      );
      assert.deepEqual(
        sink.items.map((i) => i.source).sort(),
        [base(), site.url('/limits/moved'), site.url('/limits/ok')].sort(),
      );
      const moved = sink.items.find((i) => i.source === site.url('/limits/moved'))!;
      assert.match(
        moved.bytes.toString(),
        /the moved page/,
        'a redirect is stored under the URL asked for',
      );
      const reasons = new Map(sink.failures.map((f) => [new URL(f.source).pathname, f.reason]));
      assert.deepEqual([...reasons.keys()].sort(), [
        '/limits/big',
        '/limits/big-chunked',
        '/limits/binary',
        '/limits/slow',
        '/limits/to-file',
        '/limits/to-js',
      ]);
      assert.match(
        reasons.get('/limits/to-file')!,
        /leads to a file: URL, and only http and https are fetched/,
      );
      assert.match(reasons.get('/limits/to-js')!, /leads to a javascript: URL/);
      assert.match(reasons.get('/limits/big')!, /larger than 200000 bytes/);
      assert.match(reasons.get('/limits/big-chunked')!, /larger than 200000 bytes/);
      assert.match(reasons.get('/limits/slow')!, /did not answer within 1500 ms/);
      assert.match(reasons.get('/limits/binary')!, /is served as HTML but/);
    });

    test("robots.txt's Crawl-delay spaces the requests to its host", async () => {
      const delayed = await LoopbackSite.start();
      try {
        delayed.pages.set('/robots.txt', {
          type: 'text/plain',
          body: 'User-agent: *\nCrawl-delay: 0.2\n',
        });
        delayed.pages.set('/', { body: html('d', 'start', ['/a', '/b', '/c']) });
        for (const p of ['/a', '/b', '/c']) delayed.pages.set(p, { body: html(p, p) });
        const sink = new RecordingSink();
        await openSession(
          {
            definition: webConnector,
            settings: { url: delayed.url('/'), crawl: true, ratePerHost: 0 },
            add: () => Promise.reject(new Error('unused')),
            change: () => Promise.reject(new Error('unused')),
            close: () => Promise.resolve(),
          },
          stop.signal,
          '/nonexistent',
        ).poll(null, sink);
        assert.equal(sink.items.length, 4);
        const times = delayed.log.filter((r) => r.path !== '/robots.txt').map((r) => r.at);
        // Each request has its slot 200 ms after the one before. Timers never fire early (a few
        // ms of rounding aside); the first page also pays for opening the connection, so the
        // spacing is measured from the second: the n-th is at least (n - 1) × 200 ms after it.
        assert.equal(times.length, 4);
        for (let i = 2; i < times.length; i += 1) {
          const since = times[i]! - times[1]!;
          assert.ok(since >= (i - 1) * 200 - 20, `request ${i} came ${since} ms after request 1`);
        }
      } finally {
        await delayed.close();
      }
    });
  });
});
