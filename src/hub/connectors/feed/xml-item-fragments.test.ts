import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xmlItemFragments } from './xml-item-fragments.js';

test('items are sliced byte for byte, an <item> nested in an item stays part of it', () => {
  const first = '<item><title>a</title><content><item>inner</item></content></item>';
  const second = '<item x="1"><title>b &amp; c</title></item>';
  const xml = `<?xml version="1.0"?><rss version="2.0" xmlns:dc="urn:dc"><channel><title>t</title>${first}\n${second}</channel></rss>`;
  const found = xmlItemFragments(xml);
  assert.deepEqual(found.items, [first, second]);
  assert.equal(found.rootOpen, '<rss version="2.0" xmlns:dc="urn:dc">');
  assert.equal(found.channelOpen, '<channel>');
});

test('Atom entries are the children of the root', () => {
  const entry = '<entry><id>e</id></entry>';
  const found = xmlItemFragments(
    `<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>${entry}</feed>`,
  );
  assert.deepEqual(found.items, [entry]);
  assert.equal(found.rootName, 'feed');
});
