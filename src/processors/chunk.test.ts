import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { chunk } from './chunk.js';
import { decoded, runOn, testContext, testInput } from '../testing/processor-input.js';

const TEXT = Array.from(
  { length: 40 },
  (_, i) => `Line ${i + 1} is one sentence of the report.`,
).join(' ');

test('chunk derives <name>.chunk-<n>.txt text units, numbered from 1', async () => {
  const output = await runOn(chunk, {
    mediaType: 'text/plain',
    name: 'report.txt',
    content: TEXT,
    parameters: { maxChars: 500, overlap: 50 },
  });
  const derived = output.derived ?? [];
  assert.ok(derived.length >= 4);
  derived.forEach((unit, index) => {
    assert.equal(unit.name, `report.txt.chunk-${index + 1}.txt`);
    assert.equal(unit.mediaType, 'text/plain');
    assert.ok(decoded(unit.bytes).length <= 500);
  });
  assert.match(decoded(derived[0]!.bytes), /^Line 1 is/);
  assert.match(decoded(derived.at(-1)!.bytes), /Line 40 is one sentence of the report\.$/);
  assert.deepEqual(output.metadata, { chunks: derived.length, maxChars: 500, overlap: 50 });
});

test('chunk defaults to 2000 characters with 200 of overlap, and chunks the text of earlier steps', async () => {
  const long = `${TEXT}\n\n${TEXT}\n\n${TEXT}`;
  const output = await runOn(chunk, {
    mediaType: 'application/pdf',
    content: new Uint8Array(),
    text: long,
  });
  assert.equal(output.metadata?.maxChars, 2000);
  assert.equal(output.metadata?.overlap, 200);
  assert.equal(output.derived?.length, 3);
});

test('chunk refuses an overlap not smaller than maxChars, and a maxChars that is not a whole number', async () => {
  for (const [parameters, pattern] of [
    [{ maxChars: 100, overlap: 100 }, /overlap of chunk is 100/],
    [{ maxChars: 10.5 }, /maxChars of chunk is 10\.5/],
  ] as const) {
    const input = testInput(chunk, { mediaType: 'text/plain', content: TEXT, parameters });
    await assert.rejects(
      chunk.run(input, testContext()),
      (err: unknown) => err instanceof InvalidInputError && pattern.test(err.message),
    );
  }
});
