import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError, JetStreamApiCodes, JetStreamApiError } from './api-error.js';
import { PublishRefusedError } from './fast-path/index.js';

const refusal = { code: 400, err_code: 10071, description: 'wrong last sequence: 3' };

test("a refusal is recognised by the client's API error code, whoever received it", () => {
  const { StreamWrongLastSequence, StreamNotFound } = JetStreamApiCodes;
  assert.equal(isApiError(new JetStreamApiError(refusal), StreamWrongLastSequence), true);
  assert.equal(isApiError(new JetStreamApiError(refusal), StreamNotFound), false);
  const published = new PublishRefusedError(refusal);
  assert.ok(published instanceof JetStreamApiError);
  assert.equal(isApiError(published, StreamWrongLastSequence), true);
  assert.equal(published.status, 400);
  assert.equal(published.message, 'wrong last sequence: 3');
});

test('anything else is no refusal', () => {
  const code = JetStreamApiCodes.StreamWrongLastSequence;
  assert.equal(isApiError(new Error('wrong last sequence'), code), false);
  assert.equal(isApiError(Object.assign(new Error('x'), { code }), code), false);
  assert.equal(isApiError(undefined, code), false);
});
