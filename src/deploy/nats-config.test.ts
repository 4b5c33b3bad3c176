import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError } from '../core/errors.js';
import { renderNatsConfig } from './nats-config.js';
import { EXAMPLE_TOPOLOGIES } from './nats-topologies.js';

test('a leaf node renders to nats-server syntax: sorted keys, quoted strings, blocks for sections', () => {
  assert.equal(
    renderNatsConfig(EXAMPLE_TOPOLOGIES['leaf-alone']),
    [
      '# Rendered by CIM (src/deploy/nats-config.ts = nix/lib/nats-config.nix); do not edit.',
      'jetstream {',
      '  domain: "leaf1"',
      '  store_dir: "/var/lib/cim/nats"',
      '  sync_interval: "always"',
      '}',
      'listen: "127.0.0.1:4222"',
      'server_name: "leaf-1"',
      '',
    ].join('\n'),
  );
});

test('every rendered server sets the sync policy: always unless the topology names another', () => {
  for (const [name, topology] of Object.entries(EXAMPLE_TOPOLOGIES)) {
    const want = topology.sync ?? 'always';
    assert.match(
      renderNatsConfig(topology),
      new RegExp(`^jetstream \\{\n(  .*\n)*  sync_interval: "${want}"\n`, 'm'),
      name,
    );
  }
  assert.ok(Object.values(EXAMPLE_TOPOLOGIES).some((t) => t.sync !== undefined));
});

test('leaf remotes are a list of blocks (one url, or urls for a hub cluster); absent optional fields are left out', () => {
  const text = renderNatsConfig(EXAMPLE_TOPOLOGIES['leaf-with-remotes-and-tls']);
  assert.match(
    text,
    /leafnodes \{\n {2}remotes: \[\n {4}\{\n {6}credentials: "\/run\/credentials\/cim\/leaf.creds"\n {6}url: "nats-leaf:\/\/hub-a.lan:7422"\n {4}\}\n {4}\{\n {6}deny_exports: \[\n {8}"cim.>"\n {8}"\$KV.cim-registry.>"\n {6}\]\n {6}deny_imports: \[\n {8}"cim.>"\n {8}"\$O.cim-content.>"\n {6}\]\n {6}urls: \[\n {8}"nats-leaf:\/\/hub-b.lan:7422"\n {8}"nats-leaf:\/\/hub-c.lan:7422"\n {6}\]\n {4}\}\n {2}\]\n\}/,
  );
  assert.doesNotMatch(text, /ca_file|http|cluster/);
});

test('a bad topology is refused with a sentence naming the field', () => {
  for (const [input, field] of [
    [{ ...EXAMPLE_TOPOLOGIES['leaf-alone'], clientListen: 'localhost' }, 'clientListen'],
    [{ ...EXAMPLE_TOPOLOGIES['leaf-alone'], storeDir: '/a"b' }, 'storeDir'],
    [
      {
        ...EXAMPLE_TOPOLOGIES['leaf-alone'],
        cluster: { name: 'c', listen: '0.0.0.0:6222', routes: [] },
      },
      'cluster.routes',
    ],
    [{ ...EXAMPLE_TOPOLOGIES['leaf-alone'], extra: 1 }, '(root)'],
    [
      { ...EXAMPLE_TOPOLOGIES['leaf-alone'], leafRemotes: [{ url: 'nats-leaf://a:1', urls: [] }] },
      'leafRemotes.0.urls',
    ],
    [
      { ...EXAMPLE_TOPOLOGIES['leaf-alone'], leafRemotes: [{ credentialsFile: '/x' }] },
      'leafRemotes.0',
    ],
    [
      {
        ...EXAMPLE_TOPOLOGIES['leaf-alone'],
        leafRemotes: [{ url: 'nats-leaf://a:1', denyImports: ['cim events'] }],
      },
      'leafRemotes.0.denyImports.0',
    ],
    [{ ...EXAMPLE_TOPOLOGIES['leaf-alone'], leafAdvertise: 'no port' }, 'leafAdvertise'],
    [{ ...EXAMPLE_TOPOLOGIES['leaf-alone'], sync: 'never' }, 'sync'],
  ] as const) {
    assert.throws(
      () => renderNatsConfig(input),
      (err: unknown) =>
        err instanceof InvalidConfigError &&
        err.message.startsWith(`The NATS topology field ${field} is invalid:`),
      field,
    );
  }
});
