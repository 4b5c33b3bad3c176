import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { ConnectorCheckpointed, ConnectorItemFailed } from '../core/catalogue/hub.js';
import type { ConnectorDefinition } from '../core/catalogue/hub.js';
import { HubService } from './hub-service.js';
import { connectorRef } from './hub-events.js';

const definition = (description: string): ConnectorDefinition => ({
  name: 'site',
  kind: 'web',
  description,
  intervalMs: 1000,
  tags: [],
  context: null,
  ratePerSecond: 0,
  retry: { attempts: 5, backoffMs: 1000, maxBackoffMs: 300_000 },
  settings: { url: 'https://x.test/' },
});

const counts = { stored: 1, linked: 0, seenAgain: 0, failed: 0, removed: 0 };

test('apply creates, an equal definition is unchanged, another updates; rm then apply creates again', async () => {
  const service = new HubService(new MemoryEventStore());
  assert.equal((await service.apply(definition('a'), 'ada')).outcome, 'created');
  const same = await service.apply(definition('a'));
  assert.deepEqual([same.outcome, same.position], ['unchanged', 0]);
  assert.equal((await service.apply(definition('b'))).outcome, 'updated');
  assert.equal((await service.current('site'))?.state, 'configured');
  assert.equal((await service.remove('site', null)).outcome, 'removed');
  assert.equal((await service.current('site'))?.state, 'stopped');
  await assert.rejects(service.pause('site', null), NotFoundError);
  assert.equal((await service.apply(definition('b'))).outcome, 'created');
});

test('pause and resume record once each; a connector never applied is not found', async () => {
  const service = new HubService(new MemoryEventStore());
  await assert.rejects(service.pause('site', 'x'), NotFoundError);
  await service.apply(definition('a'));
  assert.equal((await service.pause('site', 'maintenance')).outcome, 'paused');
  assert.equal((await service.pause('site', 'again')).outcome, 'unchanged');
  const paused = await service.current('site');
  assert.deepEqual([paused?.state, paused?.reason], ['paused', 'maintenance']);
  assert.equal((await service.resume('site')).outcome, 'resumed');
  assert.equal((await service.resume('site')).outcome, 'unchanged');
});

test('rewind goes to one of the connector’s own checkpoints, and refuses any other position', async () => {
  const store = new MemoryEventStore();
  const service = new HubService(store);
  await service.apply(definition('a'));
  const first = await store.append(
    connectorRef('site'),
    [ConnectorCheckpointed.draft({ cursor: { page: 1 }, counts, pollCompleted: true })],
    { expectedVersion: 'any' },
  );
  await store.append(
    connectorRef('site'),
    [ConnectorCheckpointed.draft({ cursor: { page: 2 }, counts, pollCompleted: true })],
    { expectedVersion: 'any' },
  );
  const at = first.events[0]!.position;
  await assert.rejects(service.rewind('site', at + 100, null), InvalidInputError);
  const rewound = await service.rewind('site', at, 'backfill');
  assert.equal(rewound.outcome, 'rewound');
  const current = await service.current('site');
  assert.deepEqual(current?.cursor, { page: 1 });
  assert.equal(current?.rewoundAt, rewound.position);
  assert.deepEqual(current?.counts, { ...counts, stored: 2 });
});

test('retrying dead letters clears them and starts again from the checkpoint before the first', async () => {
  const store = new MemoryEventStore();
  const service = new HubService(store);
  await service.apply(definition('a'));
  assert.equal((await service.retryDeadLetters('site')).outcome, 'unchanged');
  const append = (draft: Parameters<typeof store.append>[1][number]) =>
    store.append(connectorRef('site'), [draft], { expectedVersion: 'any' });
  const cp = await append(ConnectorCheckpointed.draft({ cursor: 1, counts, pollCompleted: true }));
  await append(
    ConnectorItemFailed.draft({ source: 'https://x.test/a', reason: 'Broken.', attempts: 5 }),
  );
  await append(ConnectorCheckpointed.draft({ cursor: 2, counts, pollCompleted: true }));
  assert.equal((await service.current('site'))?.deadLetters.length, 1);
  assert.equal((await service.retryDeadLetters('site')).outcome, 'retried');
  const current = await service.current('site');
  assert.deepEqual([current?.deadLetters, current?.cursor], [[], 1]);
  assert.ok(current !== undefined && current.rewoundAt > cp.events[0]!.position);
});
