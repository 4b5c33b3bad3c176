import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Socket } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { connectNats } from '../connect.js';

let nats: TestNats;
before(async () => {
  nats = await startTestNats();
});
after(() => nats.stop());

/** The client's socket: internal, which is what the coalescing works on. */
const socketOf = (nc: NatsConnection) =>
  (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport.socket;

test('writes of one turn are held together and released at the end of the turn', async () => {
  const nc = await connectNats(nats.url);
  try {
    await nc.flush();
    await nextTurn();
    nc.publish('coalesce.x', 'one');
    await Promise.resolve();
    nc.publish('coalesce.x', 'two');
    await Promise.resolve();
    assert.equal(socketOf(nc).writableCorked, 1, 'held while the turn runs');
    await nextTurn();
    assert.equal(socketOf(nc).writableCorked, 0, 'released after it');
  } finally {
    await nc.close();
  }
});

test('every message arrives, in order, across many flushes of one turn', async () => {
  const publisher = await connectNats(nats.url);
  const sub = nats.nc.subscribe('coalesce.order', { max: 500 });
  await nats.nc.flush();
  try {
    for (let i = 0; i < 500; i++) {
      publisher.publish('coalesce.order', String(i));
      // Each await is a microtask checkpoint: the client flushes once per checkpoint.
      if (i % 7 === 0) await Promise.resolve();
    }
    const seen: number[] = [];
    for await (const msg of sub) seen.push(Number(msg.string()));
    assert.deepEqual(
      seen,
      Array.from({ length: 500 }, (_, i) => i),
    );
  } finally {
    await publisher.close();
  }
});
