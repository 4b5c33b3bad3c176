import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEventStore } from '../events/memory-event-store.js';
import { ConnectorCheckpointed, ConnectorFailed } from '../core/catalogue/hub.js';
import type { ConnectorDefinition } from '../core/catalogue/hub.js';
import { ConnectorCatalog, isStalled } from './connector-catalog.js';
import { HubService } from './hub-service.js';
import { connectorRef } from './hub-events.js';

const definition: ConnectorDefinition = {
  name: 'feed',
  kind: 'feed',
  intervalMs: 1000,
  tags: [],
  context: null,
  ratePerSecond: 0,
  retry: { attempts: 5, backoffMs: 1000, maxBackoffMs: 300_000 },
  settings: {},
};

async function setUp() {
  const store = new MemoryEventStore();
  const service = new HubService(store);
  const catalog = new ConnectorCatalog();
  const append = (draft: Parameters<typeof store.append>[1][number], occurredAt: string) =>
    store.append(connectorRef('feed'), [{ ...draft, occurredAt }], { expectedVersion: 'any' });
  const fold = async () => {
    catalog.reset();
    for (const e of await store.readAggregate(connectorRef('feed'))) catalog.handle(e);
    return catalog.get('feed')!;
  };
  return { service, append, fold };
}

const counts = (stored: number) => ({ stored, linked: 1, seenAgain: 2, failed: 0, removed: 0 });

test('checkpoints make it running and sum their counts; a failure makes it failed until the next checkpoint', async () => {
  const { service, append, fold } = await setUp();
  await service.apply(definition);
  assert.equal((await fold()).state, 'configured');
  await append(
    ConnectorCheckpointed.draft({ cursor: 'a', counts: counts(3), pollCompleted: false }),
    '2026-01-01T00:00:00Z',
  );
  await append(
    ConnectorCheckpointed.draft({ cursor: 'b', counts: counts(4), pollCompleted: true }),
    '2026-01-01T00:00:01Z',
  );
  let summary = await fold();
  assert.equal(summary.state, 'running');
  assert.deepEqual(summary.counts, { stored: 7, linked: 2, seenAgain: 4, failed: 0, removed: 0 });
  assert.deepEqual(
    [summary.cursor, summary.lastCompletedAt, summary.checkpoints.length],
    ['b', '2026-01-01T00:00:01Z', 2],
  );
  await append(
    ConnectorFailed.draft({
      reason: 'The server refused the password.',
      code: 'unauthenticated',
      failures: 2,
    }),
    '2026-01-01T00:00:02Z',
  );
  summary = await fold();
  assert.deepEqual(
    [summary.state, summary.reason, summary.consecutiveFailures],
    ['failed', 'The server refused the password.', 2],
  );
  await append(
    ConnectorCheckpointed.draft({ cursor: 'c', counts: counts(0), pollCompleted: true }),
    '2026-01-01T00:00:03Z',
  );
  summary = await fold();
  assert.deepEqual(
    [summary.state, summary.reason, summary.consecutiveFailures],
    ['running', null, 0],
  );
});

test('stalled: running with its last completed poll older than twice the interval, never when paused', async () => {
  const { service, append, fold } = await setUp();
  await service.apply(definition);
  await append(
    ConnectorCheckpointed.draft({ cursor: 'a', counts: counts(1), pollCompleted: true }),
    '2030-01-01T00:00:00Z',
  );
  const summary = await fold();
  const t = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(isStalled(summary, t + 2000), false, 'exactly twice is not yet stalled');
  assert.equal(isStalled(summary, t + 2001), true);
  assert.equal(isStalled({ ...summary, state: 'paused' }, t + 10_000), false);
  assert.equal(isStalled({ ...summary, state: 'failed' }, t + 10_000), false);
  // A checkpoint that did not complete a poll does not count as progress.
  await append(
    ConnectorCheckpointed.draft({ cursor: 'b', counts: counts(1), pollCompleted: false }),
    '2030-01-01T00:00:05Z',
  );
  assert.equal(isStalled(await fold(), t + 5000), true);
});

test('stalled before any poll completes counts from when it became active', async () => {
  const { service, fold } = await setUp();
  await service.apply(definition);
  const summary = await fold();
  const since = Date.parse(summary.activeSince);
  assert.equal(isStalled(summary, since + 1999), false);
  assert.equal(isStalled(summary, since + 2001), true);
});
