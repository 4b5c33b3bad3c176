import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { connectNats } from '../connect.js';

let nats: TestNats;
before(async () => {
  nats = await startTestNats();
});
after(() => nats.stop());

test('a message spanning many socket reads arrives whole, in a buffer of its own size', async () => {
  const nc = await connectNats(nats.url);
  try {
    const payloads = [700 * 1024, 512 * 1024 + 1, 70_000, 3].map((n) => randomBytes(n));
    const sub = nc.subscribe('presize.x', { max: payloads.length * 2 });
    await nc.flush();
    for (const payload of payloads) {
      nats.nc.publish('presize.x', payload);
      const h = headers();
      h.set('Nats-Test', 'presized');
      nats.nc.publish('presize.x', payload, { headers: h });
    }
    const seen = [];
    for await (const msg of sub) seen.push(msg);
    for (const [i, payload] of payloads.entries()) {
      for (const msg of [seen[2 * i]!, seen[2 * i + 1]!]) {
        assert.deepEqual(Buffer.from(msg.data), payload);
        if (payload.length > 64 * 1024) {
          // A grown buffer would be larger than the message it holds (the client doubles it).
          const framed = msg.data.byteOffset + msg.data.byteLength;
          assert.equal(msg.data.buffer.byteLength, framed, `${payload.length} B allocated once`);
        }
      }
      assert.equal(seen[2 * i + 1]!.headers?.get('Nats-Test'), 'presized');
    }
  } finally {
    await nc.close();
  }
});
