import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Msg } from '@nats-io/nats-core';
import { UnavailableError } from '../../core/errors.js';
import { PublishRefusedError, publishReplyOf } from './ack-publisher.js';

/** A publish reply with this JSON body and no headers, as the server sends an ack or refusal. */
function reply(body: unknown): Msg {
  const data = new TextEncoder().encode(JSON.stringify(body));
  return { data, headers: undefined, json: () => body } as unknown as Msg;
}

test('an ack is read as it came, a duplicate at sequence 0 included', () => {
  assert.deepEqual(publishReplyOf(reply({ stream: 'S', seq: 7 })), {
    stream: 'S',
    seq: 7,
    duplicate: false,
  });
  assert.deepEqual(publishReplyOf(reply({ stream: 'S', seq: 0, duplicate: true })), {
    stream: 'S',
    seq: 0,
    duplicate: true,
  });
});

test('a repeat refused as "in process" (nats-server 2.11+) is no ack yet, not a refusal', () => {
  const inProcess = {
    error: { code: 409, err_code: 10158, description: 'duplicate message id is in process' },
  };
  assert.throws(
    () => publishReplyOf(reply(inProcess)),
    (err: unknown) => err instanceof UnavailableError && /not stored it yet/.test(err.message),
  );
  const wrongSequence = {
    error: { code: 400, err_code: 10071, description: 'wrong last sequence: 3' },
  };
  assert.throws(() => publishReplyOf(reply(wrongSequence)), PublishRefusedError);
});
