import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkText } from './chunk-text.js';

/** A paragraph of `count` numbered sentences, each ending in a full stop. */
function paragraph(label: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `Sentence ${i + 1} of paragraph ${label} says a little.`,
  ).join(' ');
}

test('text that fits is one chunk, trimmed; blank text is none', () => {
  assert.deepEqual(chunkText('  A short note.\n', { maxChars: 100, overlap: 10 }), [
    'A short note.',
  ]);
  assert.deepEqual(chunkText(' \n\n ', { maxChars: 100, overlap: 10 }), []);
});

test('chunks end at paragraph breaks when whole paragraphs fit', () => {
  const paragraphs = ['A', 'B', 'C', 'D'].map((label) => paragraph(label, 3));
  const text = paragraphs.join('\n\n');
  // Two paragraphs (about 2 × 140 characters) fit in 300; three do not.
  const chunks = chunkText(text, { maxChars: 300, overlap: 0 });
  assert.deepEqual(chunks, [
    `${paragraphs[0]}\n\n${paragraphs[1]}`,
    `${paragraphs[2]}\n\n${paragraphs[3]}`,
  ]);
});

test('a paragraph longer than a chunk is cut at sentence ends, never mid-sentence', () => {
  const text = paragraph('A', 20);
  const chunks = chunkText(text, { maxChars: 200, overlap: 0 });
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) {
    assert.ok(chunk.length <= 200, `${chunk.length} characters`);
    assert.match(chunk, /^Sentence \d+ .*\.$/s);
  }
  assert.equal(chunks.join(' '), text);
});

test('each chunk repeats at most `overlap` characters of the one before, from a sentence start', () => {
  const text = paragraph('A', 30);
  const chunks = chunkText(text, { maxChars: 300, overlap: 100 });
  assert.ok(chunks.length > 2);
  for (let i = 1; i < chunks.length; i += 1) {
    const previous = chunks[i - 1]!;
    const current = chunks[i]!;
    assert.ok(current.length <= 300);
    // The longest start of this chunk that the previous one ends with is the overlap.
    let shared = Math.min(previous.length, current.length);
    while (shared > 0 && !previous.endsWith(current.slice(0, shared))) shared -= 1;
    assert.ok(shared > 0, `chunk ${i} does not overlap the one before`);
    assert.ok(shared <= 100, `${shared} characters repeated`);
    assert.match(current, /^Sentence \d+ of/);
  }
  // Nothing is lost: every sentence is in some chunk.
  for (let n = 1; n <= 30; n += 1) {
    assert.ok(
      chunks.some((chunk) => chunk.includes(`Sentence ${n} of`)),
      `sentence ${n} is missing`,
    );
  }
});

test('without sentence ends, chunks are cut at spaces; a word longer than a chunk is cut hard', () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  for (const chunk of chunkText(words, { maxChars: 50, overlap: 0 })) {
    assert.ok(chunk.length <= 50);
    assert.match(chunk, /^word\d+( word\d+)*$/);
  }
  const long = 'x'.repeat(250);
  assert.deepEqual(chunkText(long, { maxChars: 100, overlap: 0 }), [
    'x'.repeat(100),
    'x'.repeat(100),
    'x'.repeat(50),
  ]);
});

test('a hard cut never splits a character outside the Basic Multilingual Plane', () => {
  const emoji = '😀'.repeat(30);
  const chunks = chunkText(emoji, { maxChars: 9, overlap: 0 });
  for (const chunk of chunks) assert.ok(chunk.isWellFormed(), chunk);
  assert.equal(chunks.join(''), emoji);
});
