import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { MalformedContentError } from '../knowledge/text/malformed-content.js';
import { UnsupportedMediaTypeError } from './errors.js';
import { extractText } from './extract-text.js';
import { minimalPdf } from '../testing/pdf-fixture.js';
import { decoded, runOn, testContext, testInput } from '../testing/processor-input.js';

const MARKDOWN = `# Quarterly report

The **revenue** grew by _12%_ this quarter; see [the figures](https://example.org/q3 "Q3").

## Next steps

- Hire two engineers
- Ship \`v2\` of the [API][api]

> Quoted: keep costs &amp; risks low.

\`\`\`sh
make deploy
\`\`\`

| Region | Lead |
| ------ | ---- |
| North  | Ana  |

[api]: https://example.org/api
`;

test('Markdown loses its syntax but keeps every word, in a derived <name>.txt unit', async () => {
  const output = await runOn(extractText, {
    mediaType: 'text/markdown',
    name: 'report.md',
    content: MARKDOWN,
  });
  const text = output.text ?? '';
  assert.match(
    text,
    /^Quarterly report\n\nThe revenue grew by 12% this quarter; see the figures\./,
  );
  assert.match(text, /Hire two engineers\nShip v2 of the API/);
  assert.match(text, /Quoted: keep costs & risks low\./);
  assert.match(text, /make deploy/);
  assert.match(text, /Region Lead\nNorth Ana/);
  for (const syntax of ['#', '**', '_12', '](', '[api]', '```', '> ', '| ---', '&amp;']) {
    assert.ok(!text.includes(syntax), `the text still holds ${syntax}`);
  }
  assert.equal(output.derived?.length, 1);
  const [derived] = output.derived ?? [];
  assert.equal(derived?.name, 'report.md.txt');
  assert.equal(derived?.mediaType, 'text/plain');
  assert.equal(decoded(derived!.bytes), text);
  assert.equal(output.metadata?.title, 'Quarterly report');
  assert.equal(output.metadata?.format, 'markdown');
});

test('HTML gives its title and visible text, without scripts, styles or hidden elements', async () => {
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Team &amp; Tools</title>
<style>body { color: red } .secret { display: none }</style>
<script>window.tracking = "do-not-index";</script></head>
<body>
  <nav><a href="/">Home</a></nav>
  <h1>Our tools</h1>
  <p>We use <b>NATS</b> and<br>JetStream.</p>
  <noscript>Enable JavaScript</noscript>
  <div hidden>invisible text</div>
  <ul><li>Fast</li><li>Durable</li></ul>
  <script type="module">console.log("also-not-indexed")</script>
</body></html>`;
  const output = await runOn(extractText, {
    mediaType: 'text/html; charset=utf-8',
    content: html,
    name: 'tools.html',
  });
  assert.equal(
    output.text,
    'Team & Tools\n\nHome\n\nOur tools\n\nWe use NATS and\nJetStream.\n\nFast\nDurable',
  );
  assert.equal(output.metadata?.title, 'Team & Tools');
  assert.equal(output.derived?.[0]?.name, 'tools.html.txt');
});

test('a PDF gives the text of its page, read with PDF.js', async () => {
  const pdf = minimalPdf({ pages: [['Hello from a minimal PDF (page one)']] });
  const output = await runOn(extractText, {
    mediaType: 'application/pdf',
    name: 'hello.pdf',
    content: pdf,
  });
  assert.match(output.text ?? '', /Hello from a minimal PDF \(page one\)/);
  assert.equal(output.metadata?.pages, 1);
  assert.equal(output.derived?.[0]?.name, 'hello.pdf.txt');
  assert.match(decoded(output.derived![0]!.bytes), /Hello from a minimal PDF/);
});

test('a PDF of several pages gives every page in order, and its declared title', async () => {
  const pdf = minimalPdf({
    title: 'Minutes of the board',
    pages: [['First page, first line', 'First page, second line'], ['Second page text']],
  });
  const output = await runOn(extractText, { mediaType: 'application/pdf', content: pdf });
  const text = output.text ?? '';
  const first = text.indexOf('First page, first line');
  const second = text.indexOf('First page, second line');
  const last = text.indexOf('Second page text');
  assert.ok(first >= 0 && second > first && last > second, text);
  assert.equal(output.metadata?.pages, 2);
  assert.equal(output.metadata?.title, 'Minutes of the board');
});

test('a PDF is read from a copy: the bytes the caller holds are left intact', async () => {
  const pdf = minimalPdf({ pages: [['Still here']] });
  await runOn(extractText, { mediaType: 'application/pdf', content: pdf });
  assert.ok(pdf.byteLength > 0);
  assert.equal(decoded(pdf.subarray(0, 8)), '%PDF-1.4');
});

test('bytes that are not a PDF are refused as malformed application/pdf', async () => {
  const input = testInput(extractText, {
    mediaType: 'application/pdf',
    content: 'not a pdf at all',
  });
  await assert.rejects(
    extractText.run(input, testContext()),
    (err: unknown) =>
      err instanceof MalformedContentError && /not valid application\/pdf/.test(err.message),
  );
});

test('JSON gives its keys and string values as indented lines', async () => {
  const json = JSON.stringify({
    title: 'Inventory',
    owner: { name: 'Ana', email: 'ana@example.org' },
    items: [{ sku: 'A-1', label: 'Bolt' }, 'loose note'],
    count: 42,
  });
  const output = await runOn(extractText, {
    mediaType: 'application/json',
    content: json,
    name: 'inv.json',
  });
  assert.equal(
    output.text,
    [
      'title: Inventory',
      'owner',
      '  name: Ana',
      '  email: ana@example.org',
      'items',
      '  sku: A-1',
      '  label: Bolt',
      '  loose note',
      'count',
    ].join('\n'),
  );
});

test('malformed JSON is refused, naming the media type', async () => {
  const input = testInput(extractText, { mediaType: 'application/json', content: '{"a": 1,' });
  await assert.rejects(
    extractText.run(input, testContext()),
    (err: unknown) => err instanceof MalformedContentError && /application\/json/.test(err.message),
  );
});

test('CSV gives one line per row, quoted commas and newlines kept inside their cell', async () => {
  const csv = '\uFEFFname,city,note\nAna,"Lisbon, PT","likes\nboats"\nBo,Oslo\n\n';
  const output = await runOn(extractText, { mediaType: 'text/csv', content: csv });
  assert.equal(output.text, 'name\tcity\tnote\nAna\tLisbon, PT\tlikes boats\nBo\tOslo');
});

test('plain text is kept as written, decoded in the charset its media type names', async () => {
  const latin1 = Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72]);
  const output = await runOn(extractText, {
    mediaType: 'text/plain; charset=iso-8859-1',
    content: latin1,
  });
  assert.equal(output.text, 'Café noir');
  const utf8 = await runOn(extractText, { mediaType: 'text/x-log', content: 'line 1\nline 2\n' });
  assert.equal(utf8.text, 'line 1\nline 2\n');
});

test('an HTML page without a charset parameter is decoded in the charset its <meta> declares', async () => {
  const page =
    '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body>Cr\xe8me br\xfbl\xe9e</body></html>';
  const bytes = Uint8Array.from(page, (char) => char.charCodeAt(0));
  const output = await runOn(extractText, { mediaType: 'text/html', content: bytes });
  assert.equal(output.text, 'Café\n\nCrème brûlée');
});

test('an HTML page that declares no charset and is not UTF-8 is read as Windows-1252, as browsers do', async () => {
  const page = '<html><head><title>Caf\xe9</title></head><body>Cr\xe8me br\xfbl\xe9e</body></html>';
  const bytes = Uint8Array.from(page, (char) => char.charCodeAt(0));
  const output = await runOn(extractText, { mediaType: 'text/html', content: bytes });
  assert.equal(output.text, 'Café\n\nCrème brûlée');
  const utf8 = await runOn(extractText, {
    mediaType: 'text/html',
    content: '<html><head><title>Café</title></head><body>naïve</body></html>',
  });
  assert.equal(utf8.text, 'Café\n\nnaïve');
});

test('binary content is refused with an error naming its media type', async () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  for (const mediaType of ['image/png', 'application/octet-stream']) {
    const input = testInput(extractText, { mediaType, content: png });
    await assert.rejects(
      extractText.run(input, testContext()),
      (err: unknown) =>
        err instanceof UnsupportedMediaTypeError &&
        err instanceof InvalidInputError &&
        err.message.includes(mediaType),
    );
  }
});

test('binary bytes under a text media type are refused, naming the type', async () => {
  const input = testInput(extractText, {
    mediaType: 'text/plain',
    content: Uint8Array.from([0x68, 0x69, 0x00, 0xff, 0xfe]),
  });
  await assert.rejects(
    extractText.run(input, testContext()),
    (err: unknown) => err instanceof MalformedContentError && /text\/plain/.test(err.message),
  );
});

test('a unit without text gives empty text and no derived unit', async () => {
  const output = await runOn(extractText, {
    mediaType: 'text/html',
    content: '<script>x()</script>',
  });
  assert.equal(output.text, '');
  assert.equal(output.derived, undefined);
  assert.equal(output.metadata?.characters, 0);
});

test('reading a PDF never reaches for the network', async (t) => {
  const calls: unknown[] = [];
  t.mock.method(globalThis, 'fetch', (...args: unknown[]) => {
    calls.push(args);
    return Promise.reject(new Error('no network in this test'));
  });
  const pdf = minimalPdf({ pages: [['Offline only']] });
  const output = await runOn(extractText, { mediaType: 'application/pdf', content: pdf });
  assert.match(output.text ?? '', /Offline only/);
  assert.deepEqual(calls, []);
});

test('reading a PDF stops before the next page once the signal is aborted', async () => {
  const pdf = minimalPdf({ pages: [['One'], ['Two'], ['Three']] });
  const controller = new AbortController();
  controller.abort(new Error('shutting down'));
  const input = testInput(extractText, { mediaType: 'application/pdf', content: pdf });
  await assert.rejects(
    extractText.run(input, { ...testContext(), signal: controller.signal }),
    /shutting down/,
  );
});
