import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventStoreContract, freshRef } from './event-store.contract.js';
import { MemoryEventLog } from './memory-event-log.js';
import { MemoryEventStore } from './memory-event-store.js';
import { verifyEvents } from './verify.js';

const log = new MemoryEventLog();
const pool = Array.from(
  { length: 8 },
  () => new MemoryEventStore(log, { maxEventBytes: 1_000_000 }),
);

eventStoreContract('MemoryEventStore', (n) => pool.slice(0, n));

test('MemoryEventStore: the stream it holds verifies like a JetStream one', async () => {
  const ref = freshRef();
  await pool[0]!.append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 });
  const report = await verifyEvents(pool[1]!);
  assert.equal(report.problemCount, 0, JSON.stringify(report.problems.slice(0, 3)));
  assert.equal(report.events, await pool[2]!.lastPosition());
});

test('MemoryEventStore: a scan stops at the end as it was when called', async () => {
  const ref = freshRef();
  await pool[0]!.append(ref, [{ type: 'ThingMade', data: {} }], { expectedVersion: 0 });
  const end = await pool[0]!.lastPosition();
  let last = 0;
  for await (const msg of pool[1]!.scan({ after: end - 1 })) {
    last = msg.position;
    await pool[0]!.append(ref, [{ type: 'ThingChanged', data: {} }], { expectedVersion: 'any' });
  }
  assert.equal(last, end);
});
