import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractText as indexedText } from '../knowledge/text-extract.js';
import { extractText } from './extract-text.js';
import { runOn } from '../testing/processor-input.js';

const MARKDOWN = `---
title: Field notes
---
# Quarterly report

The **revenue** grew by _12%_; see [the figures](https://example.org/q3) and ![a chart](c.png).

- Ship \`v2\` of the [API][api] &amp; docs
- <span>inline <b>HTML</b></span>

> Quoted.

\`\`\`sh
make deploy
\`\`\`

| Region | Lead |
| ------ | ---- |
| North  | Ana  |

[api]: https://example.org/api
`;

const HTML = `<!doctype html><html><head><title>Caf\u00e9 menu</title>
<style>body { color: red }</style><script>var hidden = 1;</script></head>
<body><h1>Today</h1><p>Soup &amp; bread, <a href="/wine">wine</a>.</p>
<ul><li>one</li><li>two</li></ul><pre>  kept
  as is</pre><div hidden>not shown</div></body></html>`;

const CASES = [
  { mediaType: 'text/markdown', content: new TextEncoder().encode(MARKDOWN) },
  { mediaType: 'text/x-markdown; charset=utf-8', content: new TextEncoder().encode(MARKDOWN) },
  { mediaType: 'text/html', content: new TextEncoder().encode(HTML) },
  { mediaType: 'application/xhtml+xml', content: new TextEncoder().encode(HTML) },
  // A legacy page in its declared charset: both paths must decode it the same way.
  { mediaType: 'text/html; charset=windows-1252', content: Buffer.from(HTML, 'latin1') },
];

test('search indexes exactly the text the extract-text step gives, for Markdown and HTML', async () => {
  for (const { mediaType, content } of CASES) {
    const output = await runOn(extractText, { mediaType, content });
    const indexed = indexedText(mediaType, content);
    assert.equal(indexed, output.text, mediaType);
    assert.doesNotMatch(indexed, /\*\*|<|&amp;|hidden|color: red|not shown/, mediaType);
  }
});

test('the text both paths share is markup-free and keeps the words', () => {
  const markdown = indexedText('text/markdown', new TextEncoder().encode(MARKDOWN));
  assert.match(
    markdown,
    /^Field notes\n\nQuarterly report\n\nThe revenue grew by 12%; see the figures/,
  );
  assert.match(markdown, /a chart/);
  assert.match(markdown, /Ship v2 of the API & docs/);
  assert.match(markdown, /make deploy/);
  const html = indexedText('text/html', new TextEncoder().encode(HTML));
  assert.match(
    html,
    /^Caf\u00e9 menu\n\nToday\n\nSoup & bread, wine\.\n\none\ntwo\n\nkept\nas is$/,
  );
});
