import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { extractLinks } from './extract-links.js';
import { minimalPdf } from '../testing/pdf-fixture.js';
import { runOn } from '../testing/processor-input.js';
import type { TestUnit } from '../testing/processor-input.js';

/** CIDs as CIM writes them: a content CID (raw, `bafk…`) and a unit CID (DAG-CBOR, `bafy…`). */
const CONTENT = CID.create(
  1,
  raw.code,
  await sha256.digest(new TextEncoder().encode('hello')),
).toString();
const UNIT = CID.create(
  1,
  dagCbor.code,
  await sha256.digest(dagCbor.encode({ name: 'x' })),
).toString();

async function targetsOf(unit: TestUnit): Promise<string[]> {
  const output = await runOn(extractLinks, unit);
  for (const relation of output.relations ?? []) assert.equal(relation.type, 'links-to');
  return (output.relations ?? []).map((relation) => relation.target);
}

test('the test CIDs have the prefixes CIM writes', () => {
  assert.match(CONTENT, /^bafkrei/);
  assert.match(UNIT, /^bafyrei/);
});

test('Markdown: inline, reference and auto links, cim: references and bare CIDs, in order, once each', async () => {
  const markdown = `# Links

Read [the guide](https://example.org/guide) and <https://example.org/auto>.
Also https://example.org/bare, then [again](https://example.org/guide).
The source is cim:${UNIT}; its bytes are ${CONTENT}.
See [the spec][spec] and [a relative page](./other.md).
Not a CID: bafyisnotavalidcidbecauseitistooshort.

[spec]: https://example.org/spec
`;
  assert.deepEqual(await targetsOf({ mediaType: 'text/markdown', content: markdown }), [
    'https://example.org/guide',
    'https://example.org/auto',
    'https://example.org/bare',
    UNIT,
    CONTENT,
    'https://example.org/spec',
  ]);
});

test('HTML: a and area hrefs resolved against <base>, and URLs in the visible text', async () => {
  const html = `<html><head><base href="https://example.org/docs/"><script>fetch("https://tracker.example/")</script></head>
<body><a href="intro.html">Intro</a> <a href="#top">Top</a> <a href="javascript:void(0)">JS</a>
<map><area href="https://example.org/map" alt="map"></map>
<p>Mirror: https://mirror.example/docs. Unit <a href="cim:${UNIT}">x</a>.</p>
<a href="mailto:team@example.org">Mail us</a></body></html>`;
  assert.deepEqual(await targetsOf({ mediaType: 'text/html', content: html }), [
    'https://example.org/docs/intro.html',
    'https://example.org/map',
    'https://mirror.example/docs',
    UNIT,
    'mailto:team@example.org',
  ]);
});

test('plain text: bare URLs lose the punctuation around them', async () => {
  const text = `Docs (https://example.org/a_(b)) and https://example.org/c?d=1, see "https://example.org/e".
Mirror at ftp://files.example/pub; done.`;
  assert.deepEqual(await targetsOf({ mediaType: 'text/plain', content: text }), [
    'https://example.org/a_(b)',
    'https://example.org/c?d=1',
    'https://example.org/e',
    'ftp://files.example/pub',
  ]);
});

test('a PDF: links in the text of its pages', async () => {
  const pdf = minimalPdf({
    pages: [['Specification at https://example.org/pdf-spec', `Unit ${UNIT}`]],
  });
  assert.deepEqual(await targetsOf({ mediaType: 'application/pdf', content: pdf }), [
    'https://example.org/pdf-spec',
    UNIT,
  ]);
});

test('Markdown links survive even when an earlier step gave plain text', async () => {
  const markdown = 'See [the guide](https://example.org/guide).';
  assert.deepEqual(
    await targetsOf({ mediaType: 'text/markdown', content: markdown, text: 'See the guide.' }),
    ['https://example.org/guide'],
  );
});

test('a unit without links gives no relations', async () => {
  const output = await runOn(extractLinks, { mediaType: 'text/plain', content: 'Nothing to see.' });
  assert.deepEqual(output.relations, []);
});
