import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopbackSite } from '../../../testing/loopback-site.js';
import { connectorContract, openSession } from '../../connector.contract.js';
import type { ConnectorFixture } from '../../connector.contract.js';
import { RecordingSink } from '../../recording-sink.js';
import { feedConnector } from './feed-connector.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** An RSS 2.0 document of `items` (label → description). */
function rss(site: LoopbackSite, items: Map<string, string>): string {
  const entries = [...items].map(
    ([label, body]) =>
      `<item><title>${label}</title><link>${site.url(`/posts/${label}`)}</link><guid>${label}</guid><category>news</category><description>${escape(body)}</description></item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Loopback</title><link>${site.origin}/</link>\n${entries.join('\n')}\n</channel></rss>`;
}

connectorContract('feed', async (): Promise<ConnectorFixture> => {
  const site = await LoopbackSite.start();
  const items = new Map<string, string>();
  const publish = () =>
    site.pages.set('/feed.xml', { body: rss(site, items), type: 'application/rss+xml' });
  publish();
  return {
    definition: feedConnector,
    settings: { url: site.url('/feed.xml'), ratePerHost: 0 },
    async add(label, body) {
      items.set(label, body);
      publish();
      return site.url(`/posts/${label}`);
    },
    async change(source, body) {
      items.set(source.slice(source.lastIndexOf('/') + 1), body);
      publish();
    },
    close: () => site.close(),
  };
});

describe('feed connector', () => {
  let site: LoopbackSite;
  const stop = new AbortController();
  before(async () => {
    site = await LoopbackSite.start();
  });
  after(async () => {
    stop.abort();
    await site.close();
  });

  const session = (path: string, settings: Record<string, unknown> = {}) =>
    openSession(
      {
        definition: feedConnector,
        settings: { url: site.url(path), ratePerHost: 0, ...settings },
        add: () => Promise.reject(new Error('unused')),
        change: () => Promise.reject(new Error('unused')),
        close: () => Promise.resolve(),
      },
      stop.signal,
      '/nonexistent',
    );

  test('settings are checked: a missing or non-http url is refused naming settings.url', () => {
    const missing = feedConnector.checkSettings({});
    assert.equal(missing.ok, false);
    assert.match(!missing.ok ? missing.error : '', /^settings\.url: /);
    const file = feedConnector.checkSettings({ url: 'file:///etc/passwd' });
    assert.match(
      !file.ok ? file.error : '',
      /settings\.url: must be an absolute http or https URL/,
    );
    const ok = feedConnector.checkSettings({ url: 'https://example.org/feed' });
    assert.deepEqual(ok.ok && ok.settings.fetchLinkedPages, false);
  });

  test('RSS 2.0: each item is stored as its own <item> element, sourced by its link', async () => {
    const items = new Map([
      ['a', 'the a item'],
      ['b', 'the b item'],
    ]);
    site.pages.set('/rss.xml', { body: rss(site, items), type: 'application/rss+xml' });
    const sink = new RecordingSink();
    await session('/rss.xml').poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.source),
      [site.url('/posts/a'), site.url('/posts/b')],
    );
    const first = sink.items[0]!;
    assert.match(first.bytes.toString(), /^<item><title>a<\/title>.*<\/item>$/);
    assert.equal(first.mediaType, 'application/rss+xml; type=item');
    assert.equal(first.name, 'a');
    assert.deepEqual(first.tags, ['news']);
  });

  test('Atom: entries are stored raw, an entry without a link is sourced <feed url>#<id>', async () => {
    site.pages.set('/atom.xml', {
      type: 'application/atom+xml',
      body: `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:feed</id><updated>2026-01-01T00:00:00Z</updated>
<entry><id>urn:e1</id><title>One</title><updated>2026-01-01T00:00:00Z</updated><link rel="alternate" href="/one"/><category term="t1"/></entry>
<entry><id>urn:e2</id><title>Two</title><updated>2026-01-01T00:00:00Z</updated><content>no link here</content></entry></feed>`,
    });
    const sink = new RecordingSink();
    await session('/atom.xml').poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.source),
      [site.url('/one'), `${site.url('/atom.xml')}#urn%3Ae2`],
    );
    assert.match(sink.items[1]!.bytes.toString(), /^<entry><id>urn:e2<\/id>.*<\/entry>$/);
    assert.equal(sink.items[0]!.mediaType, 'application/atom+xml; type=entry');
    assert.deepEqual(sink.items[0]!.tags, ['t1']);
  });

  test('JSON Feed: each item is its JSON object; an item without an id fails alone', async () => {
    site.pages.set('/feed.json', {
      type: 'application/feed+json',
      body: JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'J',
        items: [
          { id: '1', url: site.url('/j1'), title: 'J1', content_text: 'one', tags: ['x'] },
          { content_text: 'no id' },
          { id: '3', content_text: 'three' },
        ],
      }),
    });
    const sink = new RecordingSink();
    await session('/feed.json').poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.source),
      [site.url('/j1'), `${site.url('/feed.json')}#3`],
    );
    assert.deepEqual(JSON.parse(sink.items[0]!.bytes.toString()), {
      id: '1',
      url: site.url('/j1'),
      title: 'J1',
      content_text: 'one',
      tags: ['x'],
    });
    assert.equal(sink.items[0]!.mediaType, 'application/feed+json; type=item');
    assert.equal(sink.failures.length, 1);
    assert.match(
      sink.failures[0]!.reason,
      /^Item 2 of the feed at .* has no id, which JSON Feed requires\.$/,
    );
  });

  test('RDF (RSS 1.0): items are found and stored raw', async () => {
    site.pages.set('/rdf.xml', {
      type: 'application/rdf+xml',
      body: `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="${site.origin}/"><title>R</title><link>${site.origin}/</link><description>d</description></channel><item rdf:about="${site.url('/r1')}"><title>R1</title><link>${site.url('/r1')}</link></item></rdf:RDF>`,
    });
    const sink = new RecordingSink();
    await session('/rdf.xml').poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.source),
      [site.url('/r1')],
    );
    assert.match(sink.items[0]!.bytes.toString(), /^<item rdf:about=.*<\/item>$/);
  });

  test('an unchanged feed is asked for conditionally and its 304 brings nothing', async () => {
    site.pages.set('/cond.xml', {
      body: rss(site, new Map([['c', 'the c item']])),
      type: 'application/rss+xml',
    });
    const sink = new RecordingSink();
    const feed = session('/cond.xml');
    const cursor = await feed.poll(null, sink);
    sink.clear();
    const again = await feed.poll(cursor, sink);
    const requests = site.requestsFor('/cond.xml');
    assert.equal(requests.length, 2);
    assert.equal(requests[1]!.headers['if-none-match'], (cursor as { etag: string }).etag);
    assert.deepEqual(sink.items, []);
    assert.deepEqual(again, cursor);
    assert.equal(sink.checkpoints.length, 1, 'a 304 poll still checkpoints');
  });

  test('without validators, unchanged items are told by their digest and not taken again', async () => {
    site.etags = false;
    try {
      site.pages.set('/plain.xml', {
        body: rss(site, new Map([['p', 'the p item']])),
        type: 'application/rss+xml',
      });
      const sink = new RecordingSink();
      const feed = session('/plain.xml');
      const cursor = await feed.poll(null, sink);
      sink.clear();
      await feed.poll(cursor, sink);
      assert.equal(site.requestsFor('/plain.xml')[1]!.headers['if-none-match'], undefined);
      assert.deepEqual(sink.items, []);
    } finally {
      site.etags = true;
    }
  });

  test('a malformed item fails alone, the other items are stored', async () => {
    site.pages.set('/bad-item.xml', {
      type: 'application/rss+xml',
      body: `<rss version="2.0"><channel><title>T</title>
<item><title>good</title><guid>g1</guid><description>fine</description></item>
<item><description>neither guid nor link</description></item>
<item><title>good too</title><guid>g2</guid></item></channel></rss>`,
    });
    const sink = new RecordingSink();
    const cursor = await session('/bad-item.xml').poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => i.name),
      ['good', 'good too'],
    );
    assert.equal(sink.failures.length, 1);
    assert.equal(sink.failures[0]!.source, `${site.url('/bad-item.xml')}#item-2`);
    assert.match(sink.failures[0]!.reason, /has neither a guid nor a link/);
    assert.deepEqual(Object.keys((cursor as { items: object }).items), ['g1', 'g2']);
  });

  test('malformed XML fails the poll with one sentence and takes nothing', async () => {
    site.pages.set('/broken.xml', {
      type: 'application/rss+xml',
      body: `<rss version="2.0"><channel><title>T</title><item><title>x</item></channel></rss>`,
    });
    const sink = new RecordingSink();
    await assert.rejects(session('/broken.xml').poll(null, sink), (err: Error) => {
      assert.match(
        err.message,
        /^The feed at .*broken\.xml is not well-formed XML \(.*\): check the URL, or ask the feed's publisher to fix it\.$/,
      );
      return true;
    });
    assert.deepEqual(sink.items, []);
  });

  test('an unreachable feed fails the poll with one sentence', async () => {
    const sink = new RecordingSink();
    await assert.rejects(session('/missing.xml').poll(null, sink), /answered HTTP 404/);
  });

  test('fetchLinkedPages also takes each item page, under its link, the item under the feed', async () => {
    site.pages.set('/posts/l1', { body: '<html><body>linked page one</body></html>' });
    site.pages.set('/linked.xml', {
      body: rss(site, new Map([['l1', 'item with a page']])),
      type: 'application/rss+xml',
    });
    const sink = new RecordingSink();
    await session('/linked.xml', { fetchLinkedPages: true }).poll(null, sink);
    assert.deepEqual(
      sink.items.map((i) => [i.source, i.mediaType]),
      [
        [`${site.url('/linked.xml')}#l1`, 'application/rss+xml; type=item'],
        [site.url('/posts/l1'), 'text/html; charset=utf-8'],
      ],
    );
    assert.match(sink.items[1]!.bytes.toString(), /linked page one/);
  });

  test('a cursor of another shape is refused with one sentence', async () => {
    await assert.rejects(
      session('/rss.xml').poll({ v: 9 }, new RecordingSink()),
      /not a feed cursor of version 1/,
    );
  });
});
