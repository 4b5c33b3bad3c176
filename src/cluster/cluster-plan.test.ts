import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/errors.js';
import { renderNatsConfig } from '../deploy/nats-config.js';
import { planCluster, planLeaf } from './cluster-plan.js';
import { LEAF_LOCAL_SUBJECTS } from '../core/leaf-isolation.js';

const ports = {
  client: [4222, 4223, 4224],
  cluster: [6222, 6223, 6224],
  monitor: [8222, 8223, 8224],
};

test('a 3-member plan routes each member to the two others, one store folder each', () => {
  const plan = planCluster({ name: 'cim', dir: '/c', nodes: 3, host: '127.0.0.1', ports });
  assert.equal(plan.kind, 'cluster');
  assert.deepEqual(
    plan.servers.map((s) => s.name),
    ['cim-1', 'cim-2', 'cim-3'],
  );
  const second = plan.servers[1]!;
  assert.deepEqual(second.topology.cluster?.routes, [
    'nats-route://127.0.0.1:6222',
    'nats-route://127.0.0.1:6224',
  ]);
  assert.equal(second.clientUrl, 'nats://127.0.0.1:4223');
  assert.equal(second.topology.storeDir, '/c/cim-2/jetstream');
  assert.equal(second.configFile, '/c/cim-2/nats.conf');
  assert.equal(second.leafUrl, undefined);
  for (const s of plan.servers) assert.match(renderNatsConfig(s.topology), /cluster \{/);
});

test('a hub plan accepts leaf nodes and carries its JetStream domain', () => {
  const plan = planCluster({
    name: 'cim',
    dir: '/c',
    nodes: 3,
    host: '127.0.0.1',
    ports: { ...ports, leaf: [7422, 7423, 7424] },
    domain: 'hub',
  });
  assert.equal(plan.domain, 'hub');
  assert.equal(plan.servers[2]!.leafUrl, 'nats-leaf://127.0.0.1:7424');
  assert.match(renderNatsConfig(plan.servers[0]!.topology), /domain: "hub"/);
});

test('even, too small or too large clusters are refused with the reason', () => {
  for (const nodes of [1, 2, 4, 11, 2.5]) {
    assert.throws(
      () => planCluster({ name: 'cim', dir: '/c', nodes, host: '127.0.0.1', ports }),
      (err: unknown) =>
        err instanceof InvalidInputError &&
        err.message.startsWith(`--nodes ${nodes} is not a valid cluster size`) &&
        err.message.includes('majority'),
    );
  }
  assert.throws(
    () =>
      planCluster({
        name: 'cim',
        dir: '/c',
        nodes: 3,
        host: '127.0.0.1',
        ports: { ...ports, monitor: [1, 2] },
      }),
    /3 monitor ports are needed/,
  );
  assert.throws(
    () => planCluster({ name: 'c i m', dir: '/c', nodes: 3, host: '127.0.0.1', ports }),
    /cluster name "c i m" is not valid/,
  );
});

test('a leaf plan has its own domain and one remote listing every hub member', () => {
  const plan = planLeaf({
    name: 'site-1',
    dir: '/l',
    host: '127.0.0.1',
    clientPort: 5222,
    monitorPort: 9222,
    domain: 'site1',
    hubUrls: ['nats-leaf://a:7422', 'nats-leaf://b:7422'],
  });
  assert.equal(plan.kind, 'leaf');
  assert.deepEqual(plan.servers[0]!.topology.leafRemotes?.[0]?.urls, [
    'nats-leaf://a:7422',
    'nats-leaf://b:7422',
  ]);
  assert.match(renderNatsConfig(plan.servers[0]!.topology), /domain: "site1"/);
  assert.throws(
    () =>
      planLeaf({
        name: 'x',
        dir: '/l',
        host: '127.0.0.1',
        clientPort: 1,
        monitorPort: 2,
        domain: 'd',
        hubUrls: [],
      }),
    /needs the hub/,
  );
});

test('a leaf keeps CIM subjects off its link to the hub, in both directions', () => {
  const manifest = planLeaf({
    name: 'site1',
    dir: '/tmp/x',
    host: '127.0.0.1',
    clientPort: 4222,
    monitorPort: 8222,
    domain: 'site1',
    hubUrls: ['nats-leaf://hub-a:7422', 'nats-leaf://hub-b:7422'],
  });
  const remote = manifest.servers[0]!.topology.leafRemotes![0]!;
  assert.deepEqual(remote.urls, ['nats-leaf://hub-a:7422', 'nats-leaf://hub-b:7422']);
  assert.deepEqual(remote.denyImports, [...LEAF_LOCAL_SUBJECTS]);
  assert.deepEqual(remote.denyExports, [...LEAF_LOCAL_SUBJECTS]);
  for (const subject of ['cim.>', '$O.cim-content.>', '$KV.cim-registry.>'])
    assert.ok(LEAF_LOCAL_SUBJECTS.includes(subject), subject);
  const text = renderNatsConfig(manifest.servers[0]!.topology);
  assert.match(text, /deny_imports: \[\n {8}"cim.>"/);
  assert.match(text, /domain: "site1"/);
});

test('a hub member advertises the leaf address it is given', () => {
  const manifest = planCluster({
    name: 'hub',
    dir: '/tmp/x',
    nodes: 3,
    host: '127.0.0.1',
    ports: { client: [1, 2, 3], cluster: [4, 5, 6], monitor: [7, 8, 9], leaf: [10, 11, 12] },
    domain: 'hub',
    leafAdvertise: ['proxy:1', 'proxy:2', 'proxy:3'],
  });
  assert.equal(manifest.servers[1]!.topology.leafAdvertise, 'proxy:2');
  assert.match(renderNatsConfig(manifest.servers[1]!.topology), /advertise: "proxy:2"/);
});

test('members and leaves fsync before acknowledging unless --sync names a duration', () => {
  const leafInput = {
    name: 'site-1',
    dir: '/l',
    host: '127.0.0.1',
    clientPort: 5222,
    monitorPort: 9222,
    domain: 'site1',
    hubUrls: ['nats-leaf://a:7422'],
  };
  const clusterInput = { name: 'cim', dir: '/c', nodes: 3, host: '127.0.0.1', ports };
  for (const plan of [planCluster(clusterInput), planLeaf(leafInput)])
    for (const s of plan.servers)
      assert.match(renderNatsConfig(s.topology), /\n {2}sync_interval: "always"\n/, s.name);
  for (const plan of [
    planCluster({ ...clusterInput, sync: '2m' }),
    planLeaf({ ...leafInput, sync: '2m' }),
  ])
    for (const s of plan.servers)
      assert.match(renderNatsConfig(s.topology), /\n {2}sync_interval: "2m"\n/, s.name);
  for (const plan of [
    () => planCluster({ ...clusterInput, sync: 'never' }),
    () => planLeaf({ ...leafInput, sync: '0s' }),
  ])
    assert.throws(
      plan,
      (err: unknown) =>
        err instanceof InvalidInputError && /^--sync .* is not a sync policy/.test(err.message),
    );
});
