import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentDisposition, contentType } from './content-headers.js';

/** The `filename*` parameter decoded as a browser does (RFC 8187). */
function extendedName(header: string): string {
  const match = /filename\*=UTF-8''([^;\s]*)$/.exec(header);
  assert.ok(match?.[1] !== undefined, `no filename* in ${header}`);
  return decodeURIComponent(match[1]);
}

test('a name with quotes, CR/LF, a semicolon and non-ASCII letters stays inside its parameters', () => {
  const name = 'notes/"bad";\r\nSet-Cookie: x=1; filename=evil.exe ünï 文書 (1)*\'.txt';
  const header = contentDisposition(name, true);
  assert.doesNotMatch(header, /[\r\n]/, 'no line break reaches the header');
  assert.doesNotMatch(header, /[^\x20-\x7e]/, 'the header is printable ASCII');
  const params = header.split(';').map((p) => p.trim());
  assert.equal(params[0], 'attachment');
  assert.equal(params.length, 3, `exactly two parameters in ${header}`);
  assert.match(params[1] ?? '', /^filename="[^"\\]*"$/, 'the fallback is one quoted string');
  assert.equal(extendedName(header), name.split('/').pop(), 'filename* decodes to the name');
});

test('a plain name is inline with both forms of the file name', () => {
  assert.equal(
    contentDisposition('harbour.md', false),
    `inline; filename="harbour.md"; filename*=UTF-8''harbour.md`,
  );
});

test('a name ending in a slash still names a file', () => {
  assert.match(contentDisposition('folder/', false), /filename="content"/);
});

test('a well-formed media type passes; one that could split the header does not', () => {
  assert.equal(contentType('text/plain; charset=utf-8'), 'text/plain; charset=utf-8');
  assert.equal(contentType('image/svg+xml'), 'image/svg+xml');
  assert.equal(contentType('text/html\r\nSet-Cookie: a=b'), 'application/octet-stream');
  assert.equal(contentType('text/html; x="a\nb"'), 'application/octet-stream');
  assert.equal(contentType('text/plain\r\n; a=b'), 'application/octet-stream');
  assert.equal(contentType(''), 'application/octet-stream');
});
