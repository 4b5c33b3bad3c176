import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { headers } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { UnavailableError } from '../../core/errors.js';
import { isApiError, JetStreamApiCodes } from '../api-error.js';
import { AckPublisher, PublishRefusedError } from './ack-publisher.js';
import { ReplyMux } from './reply-mux.js';

let nats: TestNats;
before(async () => {
  nats = await startTestNats();
  await (await jetstreamManager(nats.nc)).streams.add({ name: 'ACKTEST', subjects: ['acktest.>'] });
});
after(() => nats.stop());

test('acks carry the stream sequence; a repeated message id is a duplicate', async () => {
  const publisher = new AckPublisher(nats.nc);
  const h = () => {
    const hdrs = headers();
    hdrs.set('Nats-Msg-Id', 'same-id');
    return hdrs;
  };
  const first = await publisher.publish('acktest.a', new Uint8Array([1]), h());
  const again = await publisher.publish('acktest.a', new Uint8Array([1]), h());
  assert.equal(first.stream, 'ACKTEST');
  assert.equal(first.duplicate, false);
  assert.deepEqual(again, { stream: 'ACKTEST', seq: first.seq, duplicate: true });
});

test('a failed expectation is a refusal with the JetStream error code', async () => {
  const publisher = new AckPublisher(nats.nc);
  const hdrs = headers();
  hdrs.set('Nats-Expected-Last-Subject-Sequence', '999');
  await assert.rejects(
    publisher.publish('acktest.b', new Uint8Array([1]), hdrs),
    (err: unknown) =>
      err instanceof PublishRefusedError &&
      isApiError(err, JetStreamApiCodes.StreamWrongLastSequence),
  );
});

test('no stream is unavailable at once; no answer is unavailable after the timeout', async () => {
  const mux = new ReplyMux(nats.nc, 300);
  const publisher = new AckPublisher(nats.nc, mux);
  await assert.rejects(
    publisher.publish('nostream.x', new Uint8Array([1]), headers()),
    UnavailableError,
  );
  const silent = nats.nc.subscribe('silent.x');
  await assert.rejects(
    publisher.publish('silent.x', new Uint8Array([1]), headers()),
    /No reply from NATS within 300 ms/,
  );
  silent.unsubscribe();
  mux.close();
});
