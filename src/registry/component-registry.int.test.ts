import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { silentLogger } from '../runtime/logger.js';
import { ComponentRegistry } from './component-registry.js';
import type { RegistryChange } from './component-registry.js';
import { Registration } from './registration.js';
import type { ComponentRecord } from './component-record.js';

let nats: TestNats;
let registry: ComponentRegistry;

before(async () => {
  nats = await startTestNats();
  registry = await ComponentRegistry.open(nats.nc);
});

after(async () => {
  await nats.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function record(id: string, capabilities: string[], ttlSeconds = 60): ComponentRecord {
  return {
    id,
    kind: 'plugin-service',
    name: id,
    version: '1.0.0',
    capabilities,
    endpoints: [`cim.plugin.${id}`],
    host: 'test-host',
    pid: 1,
    startedAt: new Date().toISOString(),
    ttlSeconds,
  };
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

test('a registration is listed with its capabilities, found by capability, and leaves on stop', async () => {
  const registration = await Registration.start(
    registry,
    {
      kind: 'component',
      name: 'units',
      version: '0.1.0',
      capabilities: ['component:units'],
      endpoints: ['cim.api.units.list'],
      heartbeatSeconds: 0.2,
      ttlSeconds: 1,
    },
    silentLogger(),
  );
  const listed = await registry.list();
  const mine = listed.find((c) => c.id === registration.record.id);
  assert.ok(mine, 'listed after registering');
  assert.deepEqual(mine.capabilities, ['component:units']);
  assert.equal(mine.pid, process.pid);
  assert.deepEqual(
    (await registry.list({ capability: 'component:units' })).map((c) => c.id),
    [registration.record.id],
  );
  assert.deepEqual(await registry.list({ capability: 'processor:nothing' }), []);
  // Heartbeats keep it present well past its one-second ttl.
  await sleep(1500);
  assert.ok(
    (await registry.list()).some((c) => c.id === registration.record.id),
    'still beating',
  );
  await registration.stop();
  assert.equal(
    (await registry.list()).some((c) => c.id === registration.record.id),
    false,
  );
});

test('a record whose heartbeat stops drops out after its ttl, and a sweep deletes it', async () => {
  await registry.put(record('silent', ['processor:quiet'], 1));
  assert.equal((await registry.list({ capability: 'processor:quiet' })).length, 1);
  await eventually(
    async () => (await registry.list({ capability: 'processor:quiet' })).length === 0,
    3000,
    'the silent record leaves the list',
  );
  const swept = await registry.sweep();
  assert.ok(swept.includes('silent'));
  assert.equal(await registry.kv.get('silent').then((e) => e?.operation), 'DEL');
});

test('malformed records in the bucket are left out of the list', async () => {
  await registry.kv.put('garbage', 'not json');
  await registry.kv.put('half', JSON.stringify({ id: 'half', name: 'x' }));
  await registry.put(record('proper', ['processor:fine']));
  const ids = (await registry.list()).map((c) => c.id);
  assert.ok(ids.includes('proper'));
  assert.equal(ids.includes('garbage'), false);
  assert.equal(ids.includes('half'), false);
  await registry.remove('proper');
});

test('a watch by capability sees components arrive, leave, and stop beating', async () => {
  const changes: RegistryChange[] = [];
  await registry.put(record('early', ['processor:watched']));
  const watch = await registry.watch((c) => changes.push(c), {
    capability: 'processor:watched',
    checkMs: 100,
  });
  try {
    await eventually(() => changes.length === 1, 2000, 'the present component is reported');
    assert.deepEqual(
      changes.map((c) => [c.type, c.component.id]),
      [['up', 'early']],
    );
    await registry.put(record('other-capability', ['processor:unrelated']));
    await registry.put(record('late', ['processor:watched'], 1));
    await registry.remove('early');
    await eventually(() => changes.length === 4, 4000, 'arrival, leave and expiry reported');
    assert.deepEqual(
      changes.map((c) => [c.type, c.component.id]),
      [
        ['up', 'early'],
        ['up', 'late'],
        ['down', 'early'],
        ['down', 'late'],
      ],
    );
  } finally {
    watch.stop();
    await registry.remove('other-capability');
  }
});

test('a component rewriting its record while the registry is listed is listed once', async () => {
  for (let i = 0; i < 200; i++) await registry.put(record(`filler-${i}`, ['processor:filler']));
  // Registered (acknowledged) before the first listing, as in the test below.
  await registry.put(record('busy', ['processor:busy']));
  let beating = true;
  const beats = (async () => {
    while (beating) {
      await registry.put(record('busy', ['processor:busy']));
      await sleep(5);
    }
  })();
  try {
    for (let round = 0; round < 20; round++) {
      const ids = (await registry.list()).map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, `round ${round}: no component listed twice`);
      assert.equal(ids.filter((id) => id === 'busy').length, 1);
    }
  } finally {
    beating = false;
    await beats;
    for (let i = 0; i < 200; i++) await registry.remove(`filler-${i}`);
    await registry.remove('busy');
  }
});

test('components that all beat while the registry is listed are all listed, every time', async () => {
  // A listing that stops at the first key it sees twice misses a key whose newer record replaced
  // the one it was about to read (seen in CI: the pipeline component missing from `cim status`).
  const names = ['events', 'pipeline', 'registry', 'ui', 'units'];
  // Each is registered (its first record acknowledged) before the first listing: a record still
  // being written is not there yet, which under sync_interval always takes an fsync per record.
  for (const name of names) await registry.put(record(`beating-${name}`, ['component:beating']));
  let beating = true;
  const beats = names.map(async (name) => {
    while (beating) {
      await registry.put(record(`beating-${name}`, ['component:beating']));
      await sleep(1);
    }
  });
  try {
    for (let round = 0; round < 100; round++) {
      const ids = (await registry.list({ capability: 'component:beating' })).map((c) => c.id);
      assert.deepEqual(
        ids,
        names.map((name) => `beating-${name}`),
        `round ${round}: every beating component listed once`,
      );
    }
  } finally {
    beating = false;
    await Promise.all(beats);
    for (const name of names) await registry.remove(`beating-${name}`);
  }
});
