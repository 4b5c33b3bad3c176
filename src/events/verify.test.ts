import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEventMessage } from './event-store.js';
import { MemoryEventStore } from './memory-event-store.js';
import { verifyEvents } from './verify.js';

const ref = (aggregateId: string) => ({ domain: 'test', aggregate: 'Thing', aggregateId });

/** A store of `n` events, each the first of its own aggregate (so no chain links them). */
async function storeOf(n: number): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  for (let i = 0; i < n; i++) {
    await store.append(ref(`t${i}`), [{ type: 'ThingMade', data: { i } }], { expectedVersion: 0 });
  }
  return store;
}

test('a stream that ends before a projection checkpoint is reported truncated', async () => {
  const store = await storeOf(3);
  const sound = await verifyEvents(store, { readMarks: [{ name: 'catalog units', position: 3 }] });
  assert.equal(sound.ok, true, 'a mark at the end is fine');
  const report = await verifyEvents(store, {
    readMarks: [{ name: 'catalog units', position: 7 }],
  });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((p) => [p.kind, p.position]),
    [['truncated', 4]],
  );
  assert.match(
    report.problems[0]!.detail,
    /catalog units had read up to 7: events 4 to 7 are gone/,
  );
});

test('positions missing between two events are a gap, even when every chain is sound', async () => {
  const store = await storeOf(5);
  const withoutThird: Pick<MemoryEventStore, 'scan'> = {
    async *scan(): AsyncIterable<StoredEventMessage> {
      for await (const msg of store.scan()) if (msg.position !== 3) yield msg;
    },
  };
  const report = await verifyEvents(withoutThird);
  assert.deepEqual(
    report.problems.map((p) => [p.kind, p.position]),
    [['position_gap', 3]],
  );
  assert.match(report.problems[0]!.detail, /positions 3 to 3 are missing/);
});
