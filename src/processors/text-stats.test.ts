import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countWords } from './text-stats.js';

test('word counts are exact across the pieces long text is segmented in', () => {
  // Words of varied length, so piece boundaries fall everywhere, in several scripts.
  const vocabulary = ['alpha', 'be', 'größere', 'naïve', 'x', 'antidisestablishment', '東京'];
  const parts: string[] = [];
  for (let i = 0; i < 30_000; i++) parts.push(vocabulary[i % vocabulary.length]!);
  const text = parts
    .map((w, i) => (i % 11 === 0 ? `${w}\n` : i % 5 === 0 ? `${w}\t` : `${w} `))
    .join('');
  assert.equal(countWords(text), 30_000);
  assert.equal(countWords(`${text}\n\n${text}`), 60_000);
});

test('punctuation and numbers are counted as Unicode word boundaries say', () => {
  assert.equal(countWords('Hello, world! 42 apples.'), 4);
  assert.equal(countWords(''), 0);
  assert.equal(countWords('   '), 0);
});
