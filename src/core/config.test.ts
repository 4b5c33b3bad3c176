import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, scheduleMs } from './config.js';
import { InvalidConfigError } from './errors.js';

const defaults = { dataDir: '/tmp/cim-default' };

test('layers merge defaults ← file ← environment ← flags', () => {
  const config = resolveConfig({
    defaults,
    file: { name: 'cim.json', values: { http: { port: 9000 }, log: { level: 'debug' } } },
    env: { CIM_HTTP: '0.0.0.0:9100', NATS_URL: 'nats://127.0.0.1:4999' },
    flags: { dataDir: '/srv/cim' },
  });
  assert.equal(config.dataDir, '/srv/cim');
  assert.deepEqual(config.http, {
    host: '0.0.0.0',
    port: 9100,
    maxUploadFiles: 1000,
    requestTimeoutSeconds: 3600,
    idleTimeoutSeconds: 600,
  });
  assert.equal(config.nats.url, 'nats://127.0.0.1:4999');
  assert.equal(config.log.level, 'debug');
  assert.equal(config.events.maxEventBytes, 1_000_000);
});

test('a bad field in the config file is named with the file', () => {
  assert.throws(
    () =>
      resolveConfig({
        defaults,
        file: { name: 'cim.json', values: { http: { port: 'x' } } },
        env: {},
        flags: {},
      }),
    (err: unknown) =>
      err instanceof InvalidConfigError && /cim\.json: http\.port/.test(err.message),
  );
});

test('unknown fields are refused, not ignored', () => {
  assert.throws(
    () =>
      resolveConfig({
        defaults,
        file: { name: 'c.json', values: { htpp: {} } },
        env: {},
        flags: {},
      }),
    /unknown field htpp/,
  );
});

test('a file that is not an object and a malformed CIM_HTTP are clear errors', () => {
  assert.throws(
    () => resolveConfig({ defaults, file: { name: 'c.json', values: [1] }, env: {}, flags: {} }),
    /must hold a JSON object/,
  );
  assert.throws(
    () => resolveConfig({ defaults, env: { CIM_HTTP: 'nope' }, flags: {} }),
    /HOST:PORT/,
  );
});

test('a registry ttl not longer than the heartbeat is refused, naming the field', () => {
  assert.throws(
    () =>
      resolveConfig({
        defaults,
        file: { name: 'c.json', values: { registry: { heartbeatSeconds: 10, ttlSeconds: 5 } } },
        env: {},
        flags: {},
      }),
    (err: unknown) =>
      err instanceof InvalidConfigError &&
      /registry\.ttlSeconds: ttlSeconds must be longer than heartbeatSeconds/.test(err.message),
  );
  const config = resolveConfig({ defaults, env: {}, flags: {} });
  assert.deepEqual(config.registry, { heartbeatSeconds: 5, ttlSeconds: 15 });
});

test('a scheduled event archive must go to a configured tier; purge is off unless asked for', () => {
  const storage = (eventArchive: unknown) => ({
    defaults,
    file: {
      name: 'c.json',
      values: {
        storage: { tiers: { cold: { kind: 'folder', path: '/srv/cold' } }, eventArchive },
      },
    },
    env: {},
    flags: {},
  });
  assert.throws(
    () => resolveConfig(storage({ to: 'glacier', olderThanDays: 90 })),
    (err: unknown) =>
      err instanceof InvalidConfigError &&
      /storage\.eventArchive\.to: the event archive goes to a tier configured in storage\.tiers/.test(
        err.message,
      ),
  );
  const config = resolveConfig(storage({ to: 'cold', olderThanDays: 90 }));
  assert.deepEqual(config.storage.eventArchive, { to: 'cold', olderThanDays: 90, purge: false });
});

test('nats.replicas is 1 to 5 and left unset means detected', () => {
  const base = { defaults, env: {}, flags: {} };
  assert.equal(resolveConfig(base).nats.replicas, undefined);
  const three = resolveConfig({
    ...base,
    file: { name: 'c.json', values: { nats: { replicas: 3 } } },
  });
  assert.equal(three.nats.replicas, 3);
  assert.throws(
    () => resolveConfig({ ...base, file: { name: 'c.json', values: { nats: { replicas: 7 } } } }),
    /Config file c\.json: nats\.replicas: /,
  );
});

test('nats.sync is always by default, or a duration; anything else is refused naming the field', () => {
  const base = { defaults, env: {}, flags: {} };
  assert.equal(resolveConfig(base).nats.sync, 'always');
  const lazy = resolveConfig({
    ...base,
    file: { name: 'c.json', values: { nats: { sync: '2m' } } },
  });
  assert.equal(lazy.nats.sync, '2m');
  for (const bad of ['never', '0s', '2 m', '10d', 'ALWAYS'])
    assert.throws(
      () => resolveConfig({ ...base, file: { name: 'c.json', values: { nats: { sync: bad } } } }),
      /Config file c\.json: nats\.sync: .*"always" or a duration/,
      bad,
    );
});

test('backup: the schedule is a whole number of m, h or d, and the tier one of storage.tiers', () => {
  const sources = (backup: unknown, tiers: unknown = {}) => ({
    defaults: { dataDir: '/data' },
    file: { name: 'cim.json', values: { backup, storage: { tiers } } },
    env: {},
    flags: {},
  });
  const tiers = { backup: { kind: 'folder', path: '/b' } };
  const config = resolveConfig(sources({ to: 'backup', schedule: '6h' }, tiers));
  assert.deepEqual(config.backup, { to: 'backup', schedule: '6h', incremental: true });
  assert.equal(scheduleMs('6h'), 6 * 3_600_000);
  assert.equal(scheduleMs('1d'), 86_400_000);
  assert.equal(scheduleMs('30m'), 1_800_000);
  assert.throws(
    () => resolveConfig(sources({ to: 'backup', schedule: '6 hours' }, tiers)),
    /backup\.schedule/,
  );
  assert.throws(
    () => resolveConfig(sources({ to: 'elsewhere', schedule: '1d' }, tiers)),
    /backup\.to/,
  );
});
