import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveParameters } from './parameters.js';
import { InvalidInputError } from '../core/errors.js';

const specs = {
  language: { type: 'string', default: 'en' },
  maxPages: { type: 'number' },
  stopWords: { type: 'array', default: ['the'] },
} as const;

test('defaults fill parameters not given, and given ones are kept', () => {
  const resolved = resolveParameters('processor "p@1.0.0"', specs, { maxPages: 3 });
  assert.deepEqual(resolved, { maxPages: 3, language: 'en', stopWords: ['the'] });
  (resolved['stopWords'] as string[]).push('mutated');
  assert.deepEqual(resolveParameters('processor "p@1.0.0"', specs, {})['stopWords'], ['the']);
});

test('an unknown parameter and a wrong type are refused naming the processor', () => {
  assert.throws(
    () => resolveParameters('processor "p@1.0.0"', specs, { langauge: 'de' }),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      /processor "p@1\.0\.0" has no parameter "langauge" \(it takes language, maxPages, stopWords\)/.test(
        err.message,
      ),
  );
  assert.throws(
    () => resolveParameters('processor "p@1.0.0"', specs, { maxPages: '3' }),
    /"maxPages" of the processor "p@1\.0\.0" must be of type number, not string/,
  );
  assert.throws(
    () => resolveParameters('processor "q@1.0.0"', undefined, { x: 1 }),
    /it takes none/,
  );
});
