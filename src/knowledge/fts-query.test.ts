import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toFtsQuery } from './fts-query.js';
import { extractText } from './text-extract.js';

test('words become quoted terms joined by AND, phrases stay phrases', () => {
  assert.equal(toFtsQuery('hello world'), '"hello" AND "world"');
  assert.equal(toFtsQuery('"exact phrase" other'), '"exact phrase" AND "other"');
  assert.equal(toFtsQuery('pre*'), '"pre"*');
});

test('FTS5 syntax in input is literal, and empty input searches nothing', () => {
  assert.equal(toFtsQuery('a-b c:d NOT OR'), '"a-b" AND "c:d" AND "NOT" AND "OR"');
  assert.equal(toFtsQuery('say "hi'), '"say" AND "hi"');
  assert.equal(toFtsQuery('   '), undefined);
  assert.equal(toFtsQuery('""'), undefined);
});

test('Markdown loses its syntax but keeps its words', () => {
  const text = extractText(
    'text/markdown',
    new TextEncoder().encode('# Title\nSee [the docs](http://x) and **bold** `code`.'),
  );
  assert.match(text, /Title/);
  assert.match(text, /the docs/);
  assert.doesNotMatch(text, /http:\/\/x|\*\*|#/);
});
