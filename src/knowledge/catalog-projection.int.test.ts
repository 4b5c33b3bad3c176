import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { KvFailureLog } from '../events/kv-projection-state.js';
import { ProjectionRunner } from '../events/projection-runner.js';
import { PROJECTIONS_BUCKET } from '../core/buckets.js';
import { silentLogger } from '../runtime/logger.js';
import { openStorage } from '../storage/open-storage.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { DOCUMENT_AGGREGATE, UNITS_DOMAIN } from '../units/unit-events.js';
import { UnitService } from '../units/unit-service.js';
import { CatalogWriter } from './catalog-writer.js';
import { CatalogProjection, SqliteCheckpointStore } from './catalog-projection.js';

const root = mkdtempSync(join(tmpdir(), 'cim-catalog-projection-'));
let nats: TestNats;

before(async () => {
  nats = await startTestNats();
});

after(async () => {
  await nats.stop();
  rmSync(root, { recursive: true, force: true });
});

test('a malformed UnitIngested in the stream is the catalog’s counted failure, and the next unit is still catalogued', async () => {
  const logger = silentLogger();
  const store = await JetStreamEventStore.open(nats.nc, { maxEventBytes: 1_000_000 });
  const { manager: content } = await openStorage(nats.nc, store, {}, logger);
  // Written raw, as another client could: the store takes any JSON under any type.
  const broken = await store.append(
    { domain: UNITS_DOMAIN, aggregate: DOCUMENT_AGGREGATE, aggregateId: 'dbroken' },
    [{ type: 'UnitIngested', data: { unitCid: 'bafybroken', unit: { name: 5 } } }],
    { expectedVersion: 0, actor: 'rogue-writer' },
  );
  const units = new UnitService(store, content, {
    spoolDir: root,
    maxContentBytes: 1_000_000,
  });
  const good = await units.ingest(
    { name: 'after.txt', source: 'file:///after.txt', tags: [], context: null },
    (async function* () {
      yield Buffer.from('the unit after the broken one');
    })(),
  );
  const brokenAt = broken.events[0]!.position;
  assert.ok(good.position > brokenAt);

  const catalog = CatalogWriter.open(join(root, 'catalog.sqlite'));
  const failures = new KvFailureLog(await new Kvm(nats.nc).open(PROJECTIONS_BUCKET));
  const runner = new ProjectionRunner(
    new CatalogProjection(catalog, content, logger),
    store,
    new SqliteCheckpointStore(catalog),
    failures,
    logger,
  );
  await runner.start();
  try {
    await runner.waitFor(good.position);
    const status = runner.status();
    assert.equal(status.state, 'running');
    assert.equal(status.failures, 1);
    assert.equal(status.malformed, 1);

    const logged = await failures.list('catalog');
    assert.equal(logged.length, 1);
    const [failure] = logged;
    assert.equal(failure!.position, brokenAt);
    assert.equal(failure!.eventType, 'UnitIngested');
    assert.equal(failure!.code, 'malformed_event');
    assert.match(
      failure!.error,
      new RegExp(`^The UnitIngested event at position ${brokenAt} does not match its schema`),
    );
    assert.match(failure!.error, /documentId: .*expected string/);
    assert.match(failure!.error, /actor rogue-writer/);

    const catalogued = catalog.get(good.unitCid);
    assert.equal(catalogued?.name, 'after.txt');
    assert.equal(catalog.get('bafybroken'), undefined);
    assert.equal(catalog.search('broken one', 10).length, 1);
  } finally {
    await runner.stop();
    catalog.close();
  }
});
