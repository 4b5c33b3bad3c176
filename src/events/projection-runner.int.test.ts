import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import type { RecordedEvent } from '../core/envelope.js';
import { newId } from '../core/ids.js';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import { silentLogger } from '../runtime/logger.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { JetStreamEventStore } from './jetstream-event-store.js';
import { KvCheckpointStore, KvFailureLog } from './kv-projection-state.js';
import { ProjectionRunner } from './projection-runner.js';
import type { Projection } from './projection.js';

let nats: TestNats;
let store: JetStreamEventStore;
let checkpoints: KvCheckpointStore;
let failures: KvFailureLog;

before(async () => {
  nats = await startTestNats();
  store = await JetStreamEventStore.open(nats.nc, { maxEventBytes: 1_000_000 });
  const kv = await new Kvm(nats.nc).open(PROJECTIONS_BUCKET);
  checkpoints = new KvCheckpointStore(kv);
  failures = new KvFailureLog(kv);
});

after(() => nats.stop());

/** Counts events per aggregate and fails on events whose data says so. */
class CountingProjection implements Projection {
  readonly counts = new Map<string, number>();
  handled = 0;
  constructor(
    readonly name: string,
    readonly filter: { domain: string },
  ) {}
  handle(e: RecordedEvent): void {
    this.handled++;
    if ((e.event.data as { poison?: boolean }).poison) throw new Error('poisoned event');
    this.counts.set(e.event.aggregateId, (this.counts.get(e.event.aggregateId) ?? 0) + 1);
  }
  reset(): void {
    this.counts.clear();
  }
}

async function seed(domain: string, aggregates: number, perAggregate: number): Promise<number> {
  let last = 0;
  for (let a = 0; a < aggregates; a++) {
    const result = await store.append(
      { domain, aggregate: 'Thing', aggregateId: `t${a}` },
      Array.from({ length: perAggregate }, (_, i) => ({ type: 'ThingCounted', data: { i } })),
      { expectedVersion: 0 },
    );
    last = result.events[result.events.length - 1]!.position;
  }
  return last;
}

test('a projection catches up, checkpoints, and resumes where it stopped without reapplying', async () => {
  const domain = `p${newId().slice(-8)}`;
  const last = await seed(domain, 5, 4);
  const projection = new CountingProjection(`count-${domain}`, { domain });
  const runner = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger());
  await runner.start();
  await runner.waitFor(last);
  await runner.stop();
  assert.equal(projection.handled, 20);
  assert.equal(await checkpoints.load(projection.name), last);

  const more = await store.append(
    { domain, aggregate: 'Thing', aggregateId: 't0' },
    [{ type: 'ThingCounted', data: {} }],
    {
      expectedVersion: 4,
    },
  );
  const resumed = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger());
  await resumed.start();
  await resumed.waitFor(more.events[0]!.position);
  await resumed.stop();
  assert.equal(projection.handled, 21, 'only the new event was applied');
  assert.equal(projection.counts.get('t0'), 5);
});

test('a failure on one event is recorded and visible, and the others are applied', async () => {
  const domain = `f${newId().slice(-8)}`;
  await seed(domain, 2, 2);
  const bad = await store.append(
    { domain, aggregate: 'Thing', aggregateId: 'bad' },
    [{ type: 'ThingCounted', data: { poison: true } }],
    {
      expectedVersion: 0,
    },
  );
  const after = await store.append(
    { domain, aggregate: 'Thing', aggregateId: 't9' },
    [{ type: 'ThingCounted', data: {} }],
    { expectedVersion: 0 },
  );
  const last = after.events[0]!.position;
  const projection = new CountingProjection(`fail-${domain}`, { domain });
  const runner = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger());
  await runner.start();
  await runner.waitFor(last);
  const status = runner.status();
  await runner.stop();
  assert.equal(status.failures, 1);
  assert.equal(status.lastError, 'poisoned event');
  assert.equal(projection.counts.get('t9'), 1, 'events after the failure were applied');
  const recorded = await failures.list(projection.name);
  assert.equal(recorded.length, 1);
  assert.equal(recorded[0]!.position, bad.events[0]!.position);
  assert.equal(recorded[0]!.eventType, 'ThingCounted');
});

test('rebuild empties the read model and replays every event from zero', async () => {
  const domain = `r${newId().slice(-8)}`;
  const last = await seed(domain, 3, 3);
  const projection = new CountingProjection(`rebuild-${domain}`, { domain });
  const runner = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger());
  await runner.start();
  await runner.waitFor(last);
  projection.counts.set('t0', 999);
  await runner.rebuild();
  await runner.waitFor(last);
  await runner.stop();
  assert.deepEqual(Object.fromEntries(projection.counts), { t0: 3, t1: 3, t2: 3 });
  assert.equal(projection.handled, 18);
});

/** Prepares each event after a delay that shrinks with its position, so results finish out of order. */
class SlowPreparingProjection implements Projection<string> {
  readonly applied: { position: number; prepared: string | undefined }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    readonly name: string,
    readonly filter: { domain: string },
  ) {}
  async prepare(e: RecordedEvent): Promise<string> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 30 - (e.position % 10) * 3));
    this.inFlight--;
    if ((e.event.data as { i?: number }).i === 2) throw new Error('cannot prepare');
    return `prepared ${e.position}`;
  }
  handle(e: RecordedEvent, prepared: string | undefined): void {
    this.applied.push({ position: e.position, prepared });
  }
  reset(): void {
    this.applied.length = 0;
  }
}

test('prepare runs ahead for several events at once; handle still applies them in order with their results', async () => {
  const domain = `q${newId().slice(-8)}`;
  const last = await seed(domain, 4, 5);
  const projection = new SlowPreparingProjection(`prep-${domain}`, { domain });
  const runner = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger(), {
    lookahead: 8,
  });
  await runner.start();
  await runner.waitFor(last);
  await runner.stop();
  assert.ok(projection.maxInFlight > 1, `prepare ran ${projection.maxInFlight} at a time`);
  assert.ok(projection.maxInFlight <= 8, `lookahead bounded: ${projection.maxInFlight}`);
  const positions = projection.applied.map((a) => a.position);
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
  assert.equal(projection.applied.length, 16, 'the 4 events whose prepare failed are not applied');
  for (const a of projection.applied) assert.equal(a.prepared, `prepared ${a.position}`);
  const failed = await failures.list(projection.name);
  assert.equal(failed.length, 4);
  assert.ok(failed.every((f) => f.error === 'cannot prepare'));
});

/** One event in thirty: the fourth event of aggregate t0. */
const isPoison = (e: RecordedEvent) =>
  e.event.aggregateId === 't0' && (e.event.data as { i?: number }).i === 3;

/** Applies runs of events all-or-none, as a database transaction would, and refuses poison. */
class BatchingProjection implements Projection {
  readonly applied: number[] = [];
  readonly batchSizes: number[] = [];
  constructor(
    readonly name: string,
    readonly filter: { domain: string },
  ) {}
  handle(e: RecordedEvent): void {
    if (isPoison(e)) throw new Error('poisoned event');
    this.applied.push(e.position);
  }
  handleBatch(batch: readonly { event: RecordedEvent }[]): void {
    const staged: number[] = [];
    for (const { event: recorded } of batch) {
      if (isPoison(recorded)) throw new Error('poisoned event');
      staged.push(recorded.position);
    }
    this.batchSizes.push(batch.length);
    this.applied.push(...staged);
  }
  reset(): void {
    this.applied.length = 0;
  }
}

test('runs of events go to handleBatch; a failing batch is applied one by one so only the bad event fails', async () => {
  const domain = `b${newId().slice(-8)}`;
  const last = await seed(domain, 6, 5);
  const projection = new BatchingProjection(`batch-${domain}`, { domain });
  const runner = new ProjectionRunner(projection, store, checkpoints, failures, silentLogger());
  await runner.start();
  await runner.waitFor(last);
  await runner.stop();
  assert.ok(
    projection.batchSizes.some((n) => n > 1),
    `batches: ${projection.batchSizes.join(',')}`,
  );
  assert.equal(projection.applied.length, 29, 'every event but the poisoned one, once each');
  assert.equal(new Set(projection.applied).size, 29);
  assert.deepEqual(
    projection.applied,
    [...projection.applied].sort((a, b) => a - b),
  );
  const failed = await failures.list(projection.name);
  assert.equal(failed.length, 1);
});
