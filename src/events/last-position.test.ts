import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEventStore } from './memory-event-store.js';
import { lastPositionMatching } from './last-position.js';

test('the last position of a domain is found behind more than a window of other events', async () => {
  const store = new MemoryEventStore();
  const append = (domain: string, aggregateId: string) =>
    store.append({ domain, aggregate: 'Thing', aggregateId }, [{ type: 'ThingMade', data: {} }], {
      expectedVersion: 'any',
    });
  await append('units', 'a');
  await append('units', 'b');
  for (let i = 0; i < 1500; i++) await append('storage', `s${i}`);
  const end = await store.lastPosition();
  assert.equal(await lastPositionMatching(store, { domain: 'units' }, end), 2);
  assert.equal(await lastPositionMatching(store, { domain: 'storage' }, end), end);
  assert.equal(await lastPositionMatching(store, { domain: 'none' }, end), 0);
});
