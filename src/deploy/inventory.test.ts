import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../core/errors.js';
import { parseInventory } from './inventory.js';
import { renderHosts } from './render-hosts.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/deploy/inventory.yaml', import.meta.url));
const example = () =>
  parseYaml(readFileSync(EXAMPLE, 'utf8')) as {
    cluster: { name: string; members: string[] };
    hosts: Record<string, unknown>[];
  };

function refused(inventory: unknown, sentence: RegExp): void {
  assert.throws(
    () => renderHosts(parseInventory(inventory), 'inventory.yaml'),
    (err: unknown) => err instanceof InvalidInputError && sentence.test(err.message),
    String(sentence),
  );
}

test('the example inventory is valid and renders a .nix and a .nats.conf per host', () => {
  const files = renderHosts(parseInventory(example()), 'inventory.yaml');
  assert.deepEqual(
    files.map((f) => f.path),
    ['hub-a', 'hub-b', 'hub-c', 'branch-1'].flatMap((h) => [`${h}.nix`, `${h}.nats.conf`]),
  );
  const hubA = files.find((f) => f.path === 'hub-a.nats.conf')!.content;
  assert.match(hubA, /"nats-route:\/\/10\.0\.0\.12:6222"/);
  assert.match(hubA, /leafnodes \{\n {2}listen: "0\.0\.0\.0:7422"/);
  const branch = files.find((f) => f.path === 'branch-1.nats.conf')!.content;
  assert.match(branch, /domain: "branch1"/);
  assert.match(branch, /credentials: "\/run\/credentials\/cim-nats\.service\/hub-leaf"/);
  assert.match(branch, /url: "nats-leaf:\/\/10\.0\.0\.11:7422"/);
  assert.match(branch, /deny_exports: \[\n {8}"cim\.>"/, 'CIM subjects stay off the leaf link');
  assert.match(branch, /deny_imports: \[\n {8}"cim\.>"/);
});

test('an unknown component is refused, naming the host and the field', () => {
  const inventory = example();
  inventory.hosts[1]!['components'] = ['events', 'search-engine'];
  refused(
    inventory,
    /^The inventory is invalid at host hub-b, field components\.1: not a component: choose among events, units, registry, pipeline, ui\.$/,
  );
});

test('a duplicate host is refused, naming it', () => {
  const inventory = example();
  inventory.hosts.push({ ...inventory.hosts[2]!, address: '10.0.0.99' });
  refused(
    inventory,
    /^The inventory is invalid at host hub-c, field name: another host has the same name\.$/,
  );
});

test('two listeners of one host on one port are refused, naming both fields', () => {
  const inventory = example();
  inventory.hosts[0]!['nats'] = { clientPort: 4222, clusterPort: 8080, leafPort: 7422 };
  refused(
    inventory,
    /^The inventory is invalid at host hub-a, field nats\.clusterPort: port 8080 is also http\.port\.$/,
  );
});

test('a cluster with an even number of members is refused, saying why', () => {
  const inventory = example();
  inventory.cluster.members = ['hub-a', 'hub-b'];
  inventory.hosts = inventory.hosts.filter((h) => h['name'] !== 'hub-c');
  refused(
    inventory,
    /^The inventory is invalid at field cluster\.members: a cluster needs an odd number of members for a quorum \(3 or 5\), not 2\.$/,
  );
});

test('a secret written into the inventory instead of a file path is refused', () => {
  const inventory = example();
  inventory.hosts[0]!['credentials'] = {
    'warm-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
    'warm-secret-access-key': '/run/agenix/cim-warm-secret-access-key',
  };
  refused(
    inventory,
    /^The inventory is invalid at host hub-a, field credentials\.warm-access-key-id: give the absolute path of a file holding the secret, never the secret itself\.$/,
  );
});

test('a tier key naming no listed credential, and a setting cim would refuse, are refused', () => {
  const noCredential = example();
  noCredential.hosts[0]!['credentials'] = {};
  refused(
    noCredential,
    /^The inventory is invalid at host hub-a, field tiers\.warm\.accessKeyIdFile: name a credential listed in credentials/,
  );
  const badSetting = example();
  badSetting.hosts[3]!['settings'] = { registry: { heartbeatSeconds: 'often' } };
  refused(
    badSetting,
    /^The inventory is invalid at host branch-1, field settings\.registry\.heartbeatSeconds: /,
  );
});

test('a leaf must name a hub, and a cluster member must be in the cluster', () => {
  const noHub = example();
  noHub.hosts[3]!['nats'] = { domain: 'branch1' };
  refused(
    noHub,
    /^The inventory is invalid at host branch-1, field nats\.hub: a leaf names the host with the role hub it connects to\.$/,
  );
  const stray = example();
  stray.cluster.members = ['hub-a', 'hub-b', 'branch-1'];
  refused(
    stray,
    /^The inventory is invalid at host branch-1, field roles: it is a member of cluster cim-hub: give it the role cluster-member\.$/,
  );
});

test("a host's NATS users, TLS files and first admin reach its profile as paths, one .creds per component it runs", () => {
  const files = renderHosts(parseInventory(example()), 'inventory.yaml');
  const hubB = files.find((f) => f.path === 'hub-b.nix')!.content;
  assert.match(
    hubB,
    /natsCredentialsFiles = \{\n {6}events = "\/run\/agenix\/cim-nats-auth\/creds\/events\.creds";\n {6}registry = "[^"]+\/registry\.creds";\n {6}units = "[^"]+\/units\.creds";\n {4}\};/,
  );
  assert.match(hubB, /natsAuthDir = "\/run\/agenix\/cim-nats-auth";/);
  const hubA = files.find((f) => f.path === 'hub-a.nix')!.content;
  assert.match(hubA, /adminCredentialsFile = "\/run\/agenix\/cim-first-admin";/);
  assert.match(
    hubA,
    /httpTls = \{\n {6}certFile = "[^"]+";\n {6}keyFile = "\/run\/agenix\/cim-http\.key";/,
  );
  const branch = files.find((f) => f.path === 'branch-1.nix')!.content;
  assert.doesNotMatch(branch, /natsCredentialsFiles|natsAuthDir|httpTls|adminCredentialsFile/);
});

test('a secret written where the path of its file belongs is refused, naming the field', () => {
  const withKey = example();
  withKey.hosts[0]!['http'] = {
    tls: { cert: '/etc/cert.pem', key: '-----BEGIN PRIVATE KEY-----' },
  };
  refused(withKey, /host hub-a, field http\.tls\.key: .*never the secret itself/);
  const withSeed = example();
  withSeed.hosts[1]!['nats'] = { credentialsDir: 'SUAM3EXAMPLESEEDNOTAPATH' };
  refused(withSeed, /host hub-b, field nats\.credentialsDir: .*never the secret itself/);
  const halfPair = example();
  halfPair.hosts[1]!['nats'] = { tls: { cert: '/etc/cim/client.pem' } };
  refused(halfPair, /host hub-b, field nats\.tls: cert and key go together/);
});

test("a host running the ui publishes the inventory's HTTP port on the host, unless it is on loopback", () => {
  const inventory = example();
  inventory.hosts[1]!['components'] = ['events', 'ui'];
  inventory.hosts[1]!['http'] = { host: '127.0.0.1', port: 9090 };
  const files = renderHosts(parseInventory(inventory), 'inventory.yaml');
  const nix = (host: string) => files.find((f) => f.path === `${host}.nix`)!.content;
  assert.match(nix('hub-a'), /ui = \{\n {6}hostPort = 8080;\n {4}\};/);
  assert.doesNotMatch(nix('hub-b'), /hostPort/, 'loopback: reached from the host only');
  assert.doesNotMatch(nix('hub-c'), /hostPort/, 'no ui on hub-c');
});
