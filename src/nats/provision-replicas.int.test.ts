import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidConfigError } from '../core/errors.js';
import { startTestCluster } from '../testing/nats-cluster.js';
import type { TestServers } from '../testing/nats-cluster.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { connectNats } from './connect.js';
import { PROVISIONED_STREAMS, provision } from './provision.js';
import { replicasFor } from './replicas.js';

/** Every stream provisioning makes, from its own list: a new bucket is checked as it comes. */
const STREAMS = PROVISIONED_STREAMS;

let cluster: TestServers;
let single: TestNats;
let nc: NatsConnection;
before(async () => {
  [cluster, single] = await Promise.all([startTestCluster(), startTestNats()]);
  nc = await connectNats(cluster.urls);
});
after(async () => {
  await nc.close();
  await Promise.all([cluster.stop(), single.stop()]);
});

test(
  'replicas are detected from the server: 3 on a cluster, 1 on a lone server',
  { timeout: 60_000 },
  () => {
    assert.equal(replicasFor(nc, undefined), 3);
    assert.equal(replicasFor(nc, 1), 1);
    assert.equal(replicasFor(single.nc, undefined), 1);
    assert.throws(
      () => replicasFor(single.nc, 3),
      (err: unknown) =>
        err instanceof InvalidConfigError &&
        /nats\.replicas is 3 .* not part of a cluster/.test(err.message),
    );
  },
);

test(
  'streams and buckets made with one replica are scaled to three',
  { timeout: 60_000 },
  async () => {
    await provision(nc, { duplicateWindowSeconds: 120, replicas: 1 });
    const jsm = await jetstreamManager(nc);
    for (const stream of STREAMS)
      assert.equal((await jsm.streams.info(stream)).config.num_replicas, 1, stream);
    const report = await provision(nc, {
      duplicateWindowSeconds: 120,
      replicas: replicasFor(nc, undefined),
    });
    assert.equal(report.updated.length, STREAMS.length, report.updated.join(', '));
    for (const stream of STREAMS) {
      assert.equal((await jsm.streams.info(stream)).config.num_replicas, 3, stream);
      // The new peers catch up and a leader is elected after the update is acknowledged.
      let cluster;
      for (let tries = 0; tries < 100; tries++) {
        cluster = (await jsm.streams.info(stream)).cluster;
        if (cluster?.leader && cluster.replicas?.filter((r) => r.current).length === 2) break;
        await sleep(100);
      }
      assert.ok(cluster?.leader, `${stream}: ${JSON.stringify(cluster)}`);
      assert.equal(cluster.replicas?.filter((r) => r.current).length, 2, JSON.stringify(cluster));
    }
    const again = await provision(nc, { duplicateWindowSeconds: 120, replicas: 3 });
    assert.deepEqual([again.created, again.updated], [[], []]);
  },
);
