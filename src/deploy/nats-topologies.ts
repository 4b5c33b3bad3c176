import type { NatsTopology } from './nats-config.js';

/**
 * Example topologies covering every field: a leaf node, the three members of a cluster that is
 * also the hub, a leaf with TLS, and a member with credentials and TLS on every port. Used by the tests that compare the TypeScript and Nix
 * renderers and check nats-server accepts their output.
 */
export const EXAMPLE_TOPOLOGIES: Record<string, NatsTopology> = {
  'leaf-alone': {
    serverName: 'leaf-1',
    clientListen: '127.0.0.1:4222',
    storeDir: '/var/lib/cim/nats',
    domain: 'leaf1',
  },
  'cluster-member-hub': {
    serverName: 'hub-a',
    clientListen: '0.0.0.0:4222',
    monitorListen: '127.0.0.1:8222',
    storeDir: '/var/lib/nats/jetstream',
    sync: '2m',
    maxPayload: 2 * 1024 * 1024,
    cluster: {
      name: 'cim-hub',
      listen: '0.0.0.0:6222',
      routes: ['nats-route://hub-b.lan:6222', 'nats-route://hub-c.lan:6222'],
    },
    leafListen: '0.0.0.0:7422',
    leafAdvertise: 'hub-a.example.org:7422',
  },
  'leaf-with-remotes-and-tls': {
    serverName: 'site_7',
    clientListen: '127.0.0.1:4222',
    storeDir: '/srv/nats store/é',
    domain: 'site-7',
    leafRemotes: [
      { url: 'nats-leaf://hub-a.lan:7422', credentialsFile: '/run/credentials/cim/leaf.creds' },
      {
        urls: ['nats-leaf://hub-b.lan:7422', 'nats-leaf://hub-c.lan:7422'],
        denyImports: ['cim.>', '$O.cim-content.>'],
        denyExports: ['cim.>', '$KV.cim-registry.>'],
      },
    ],
    tls: { certFile: '/etc/cim/tls/cert.pem', keyFile: '/etc/cim/tls/key.pem' },
  },
  'cluster-member-secure': {
    serverName: 'hub-b',
    clientListen: '0.0.0.0:4222',
    storeDir: '/var/lib/nats/jetstream',
    cluster: {
      name: 'cim-hub',
      listen: '0.0.0.0:6222',
      routes: ['nats-route://hub-a.lan:6222', 'nats-route://hub-c.lan:6222'],
      tls: {
        certFile: '/run/credentials/nats/route.pem',
        keyFile: '/run/credentials/nats/route.key',
        caFile: '/etc/cim/tls/ca.pem',
      },
    },
    leafListen: '0.0.0.0:7422',
    leafTls: {
      certFile: '/run/credentials/nats/leaf.pem',
      keyFile: '/run/credentials/nats/leaf.key',
    },
    leafRemotes: [
      {
        url: 'nats-leaf://upstream.lan:7422',
        credentialsFile: '/run/credentials/nats/upstream.creds',
        caFile: '/etc/cim/tls/ca.pem',
      },
    ],
    tls: {
      certFile: '/run/credentials/nats/client.pem',
      keyFile: '/run/credentials/nats/client.key',
      caFile: '/etc/cim/tls/ca.pem',
    },
    auth: {
      operatorFile: '/var/lib/cim/nats-auth/operator.jwt',
      systemAccount: 'ACWFRTZZ634OWHJ2IQ635I4F2TGFZYXPU47L3TIXMW6JKKWQNWHWYATK',
      accountsDir: '/var/lib/cim/nats-auth/accounts',
    },
  },
};
