import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCapability, isCapability, parseCapability } from './capability.js';
import { InvalidInputError } from '../core/errors.js';

test('a capability parses into its kind and name and formats back', () => {
  assert.deepEqual(parseCapability('processor:extract-text'), {
    kind: 'processor',
    name: 'extract-text',
  });
  assert.deepEqual(parseCapability('view:timeline2'), { kind: 'view', name: 'timeline2' });
  assert.equal(formatCapability({ kind: 'connector', name: 'git' }), 'connector:git');
  assert.equal(isCapability('classifier:mime-rules'), true);
});

test('a malformed capability is refused naming the bad text', () => {
  for (const text of [
    'extract-text',
    'processor:',
    'processors:ocr',
    'processor:Extract',
    'processor:-ocr',
    'processor:ocr-',
    'processor:ocr text',
    'processor:a:b',
    `processor:${'a'.repeat(65)}`,
  ]) {
    assert.throws(
      () => parseCapability(text),
      (err: unknown) =>
        err instanceof InvalidInputError &&
        err.message.includes(JSON.stringify(text)) &&
        /<kind>:<name>/.test(err.message),
      text,
    );
    assert.equal(isCapability(text), false, text);
  }
});

test('formatCapability refuses a name parseCapability would refuse', () => {
  assert.throws(() => formatCapability({ kind: 'processor', name: 'Bad Name' }), InvalidInputError);
});
