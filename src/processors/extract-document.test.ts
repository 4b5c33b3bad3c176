import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractDocument } from './extract-document.js';

test('the same bytes read as the same type are parsed once and shared', async () => {
  const bytes = new TextEncoder().encode('# Title\n\nSee [x](https://example.org/x).\n');
  const first = await extractDocument('text/markdown', bytes);
  const again = await extractDocument('text/markdown', bytes);
  assert.equal(again, first);
  assert.equal(first.title, 'Title');
  assert.deepEqual(first.links, ['https://example.org/x']);
});

test('the same bytes read as another type, or equal bytes elsewhere, are parsed anew', async () => {
  const text = '# Title\n\nbody\n';
  const bytes = new TextEncoder().encode(text);
  const markdown = await extractDocument('text/markdown', bytes);
  const plain = await extractDocument('text/plain', bytes);
  assert.notEqual(plain, markdown);
  assert.equal(plain.text.startsWith('# Title'), true);
  const copy = await extractDocument('text/markdown', new TextEncoder().encode(text));
  assert.notEqual(copy, markdown);
  assert.deepEqual(copy, markdown);
});
