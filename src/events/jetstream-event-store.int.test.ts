import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamEventStore } from './jetstream-event-store.js';
import { eventStoreContract, freshRef } from './event-store.contract.js';
import type { EventStore } from './event-store.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { connectNats } from '../nats/connect.js';
import { provision } from '../nats/provision.js';
import { newId } from '../core/ids.js';
import { EVENTS_STREAM, eventSubject } from '../core/subjects.js';
import { verifyEvents } from './verify.js';

let nats: TestNats;
let second: NatsConnection;
let pool: EventStore[] = [];

before(async () => {
  nats = await startTestNats();
  second = await connectNats(nats.url);
  for (let i = 0; i < 8; i++) {
    pool.push(
      await JetStreamEventStore.open(i % 2 === 0 ? nats.nc : second, { maxEventBytes: 1_000_000 }),
    );
  }
});

after(async () => {
  pool = [];
  await second.close();
  await nats.stop();
});

eventStoreContract('JetStreamEventStore', (n) => pool.slice(0, n));

test('an event read by a plain NATS client is JSON whose CID matches its Cim-Event-Cid header', async () => {
  const ref = freshRef();
  await pool[0]!.append(ref, [{ type: 'ThingMade', data: { hello: 'world' } }], {
    expectedVersion: 0,
  });
  const jsm = await jetstreamManager(second);
  const msg = await jsm.direct.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(ref) });
  assert.ok(msg);
  const parsed = JSON.parse(new TextDecoder().decode(msg.data)) as {
    id: string;
    data: unknown;
    prev: unknown;
  };
  assert.deepEqual(parsed.data, { hello: 'world' });
  assert.equal(parsed.prev, null);
  const digest = createHash('sha256').update(msg.data).digest();
  const cid = CID.decode(Buffer.concat([Buffer.from([0x01, 0xa9, 0x02, 0x12, 0x20]), digest]));
  assert.equal(msg.header.get('Cim-Event-Cid'), cid.toString());
  assert.equal(msg.header.get('Nats-Msg-Id'), parsed.id);
});

test('a retry after the JetStream dedupe window is still recorded once', async () => {
  await provision(nats.nc, { duplicateWindowSeconds: 1 });
  try {
    const ref = freshRef();
    const drafts = [{ id: newId(), type: 'ThingMade', data: {} }];
    await pool[0]!.append(ref, drafts, { expectedVersion: 0 });
    await pool[1]!.append(ref, [{ type: 'ThingChanged', data: {} }], { expectedVersion: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = await pool[2]!.append(ref, drafts, { expectedVersion: 0 });
    assert.equal(again.duplicate, true);
    const events = await pool[3]!.readAggregate(ref);
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['ThingMade', 'ThingChanged'],
    );
  } finally {
    await provision(nats.nc, { duplicateWindowSeconds: 120 });
  }
});

test('after every test above, including 200 racing rounds, the whole stream verifies', async () => {
  const report = await verifyEvents(pool[0]!);
  assert.equal(report.problemCount, 0, JSON.stringify(report.problems.slice(0, 3)));
  assert.ok(report.events >= 200);
});
