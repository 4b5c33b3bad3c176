import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderNatsConfig } from '../deploy/nats-config.js';
import { planCluster, planLeaf } from './cluster-plan.js';
import { LEAF_LOCAL_SUBJECTS } from './leaf-isolation.js';

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
