import { InvalidInputError } from '../core/errors.js';
import { configSchema, mergeLayers } from '../core/config.js';
import { firstIssue, issueField, issueProblem } from '../core/zod-issue.js';
import type { NatsTopology } from './nats-config.js';
import { natsTopologySchema, renderNatsConfig } from './nats-config.js';
import type { Inventory, InventoryHost } from './inventory.js';
import type { NixValue } from './nix-value.js';
import { toNix } from './nix-value.js';
import { LEAF_LOCAL_SUBJECTS } from '../core/leaf-isolation.js';

/** Where a host's NATS store and CIM's data live (the NixOS services' state directories). */
const NATS_STORE = '/var/lib/cim-nats';
const DATA_DIR = '/var/lib/cim';
/** Where systemd puts the credentials of the NATS service (LoadCredential). */
const NATS_CREDENTIALS = '/run/credentials/cim-nats.service';

/** One file to write, relative to the output folder. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** The NATS topology of one host: its server, cluster routes, leaf listener or remote. */
export function topologyOf(inventory: Inventory, host: InventoryHost): NatsTopology {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const roles = new Set(host.roles);
  const topology: NatsTopology = {
    serverName: host.name,
    clientListen: `0.0.0.0:${host.nats.clientPort}`,
    storeDir: NATS_STORE,
    ...(host.nats.monitorPort !== undefined
      ? { monitorListen: `127.0.0.1:${host.nats.monitorPort}` }
      : {}),
    ...(roles.has('leaf') ? { domain: host.nats.domain ?? host.name } : {}),
    ...(roles.has('cluster-member') && inventory.cluster
      ? {
          cluster: {
            name: inventory.cluster.name,
            listen: `0.0.0.0:${host.nats.clusterPort}`,
            routes: inventory.cluster.members
              .filter((m) => m !== host.name)
              .map((m) => byName.get(m)!)
              .map((peer) => `nats-route://${peer.address}:${peer.nats.clusterPort}`),
          },
        }
      : {}),
    ...(roles.has('hub') ? { leafListen: `0.0.0.0:${host.nats.leafPort}` } : {}),
  };
  if (!roles.has('leaf')) return natsTopologySchema.parse(topology);
  const hub = byName.get(host.nats.hub!)!;
  const credential = host.nats.leafCredential;
  const remote = {
    url: `nats-leaf://${hub.address}:${hub.nats.leafPort}`,
    // CIM's own subjects stay off the link both ways (docs/scaling.md, "Leaf nodes").
    denyImports: [...LEAF_LOCAL_SUBJECTS],
    denyExports: [...LEAF_LOCAL_SUBJECTS],
    ...(credential !== undefined ? { credentialsFile: `${NATS_CREDENTIALS}/${credential}` } : {}),
  };
  return natsTopologySchema.parse({ ...topology, leafRemotes: [remote] });
}

/**
 * The config file `cim` reads on a host (what the module writes to /etc/cim/config.json):
 * the data folder, HTTP address, the host's own NATS server, its tiers, then its other
 * settings; checked by the same schema `cim` applies, so a bad setting is refused here.
 */
export function settingsOf(host: InventoryHost): Record<string, unknown> {
  const base = {
    dataDir: DATA_DIR,
    http: { host: host.http.host, port: host.http.port },
    nats: { url: `nats://127.0.0.1:${host.nats.clientPort}` },
    storage: { tiers: host.tiers },
  };
  const settings = mergeLayers(base, host.settings);
  const checked = configSchema.partial().safeParse(settings);
  if (!checked.success) {
    const issue = firstIssue(checked.error);
    throw new InvalidInputError(
      `The inventory is invalid at host ${host.name}, field settings.${issueField(issue)}: ${issueProblem(issue)}.`,
    );
  }
  for (const [tier, config] of Object.entries(host.tiers)) {
    for (const field of ['accessKeyIdFile', 'secretAccessKeyFile'] as const) {
      const credential = config[field];
      if (credential !== undefined && !(String(credential) in host.credentials)) {
        throw new InvalidInputError(
          `The inventory is invalid at host ${host.name}, field tiers.${tier}.${field}: name a credential listed in credentials (its file is passed to the service, never its content).`,
        );
      }
    }
  }
  return settings;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The `cim.host` option that publishes a host's ui: its containers listen on a private link, so
 * the inventory's HTTP port is forwarded to the ui container (and opened) unless the inventory
 * keeps it on loopback, where the host reaches the container's own address.
 */
export function uiOptionsOf(host: InventoryHost): Record<string, NixValue> {
  if (!host.components.includes('ui') || LOOPBACK.has(host.http.host)) return {};
  return { ui: { hostPort: host.http.port } };
}

/**
 * The `cim.host` options naming a host's NATS users, TLS files and first admin: paths only.
 * The profile hands each file to the services that read it by LoadCredential.
 */
export function credentialOptionsOf(host: InventoryHost): Record<string, NixValue> {
  const { credentialsDir, authDir, tls } = host.nats;
  const options: Record<string, NixValue> = {};
  if (credentialsDir !== undefined) {
    options['natsCredentialsFiles'] = Object.fromEntries(
      host.components.map((c) => [c, `${credentialsDir.replace(/\/+$/, '')}/${c}.creds`]),
    );
  }
  if (authDir !== undefined) options['natsAuthDir'] = authDir;
  if (tls !== undefined) {
    options['natsTls'] = {
      ...(tls.ca !== undefined ? { caFile: tls.ca } : {}),
      ...(tls.cert !== undefined ? { certFile: tls.cert } : {}),
      ...(tls.key !== undefined ? { keyFile: tls.key } : {}),
    };
  }
  if (host.http.tls !== undefined) {
    options['httpTls'] = { certFile: host.http.tls.cert, keyFile: host.http.tls.key };
  }
  if (host.adminCredentials !== undefined) options['adminCredentialsFile'] = host.adminCredentials;
  return options;
}

/**
 * Renders every host of a checked inventory: `<host>.nix`, a NixOS module setting the
 * `cim.host` profile (components, NATS topology, settings, credential files), and
 * `<host>.nats.conf`, the NATS configuration the profile renders from that topology, for
 * review. Nothing but paths of credential files reaches them.
 */
export function renderHosts(inventory: Inventory, source: string): RenderedFile[] {
  return inventory.hosts.flatMap((host) => {
    const topology = topologyOf(inventory, host);
    const profile = {
      enable: true,
      components: [...host.components],
      natsTopology: topology,
      settings: settingsOf(host) as NixValue,
      credentialFiles: host.credentials,
      ...credentialOptionsOf(host),
      ...uiOptionsOf(host),
    };
    const header = `# Rendered by \`cim deploy render\` from ${source.replace(/\n/g, ' ')}; do not edit: change the inventory and render again.`;
    return [
      {
        path: `${host.name}.nix`,
        content: `${header}\n{ ... }:\n{\n  cim.host = ${toNix(profile, 1)};\n}\n`,
      },
      { path: `${host.name}.nats.conf`, content: renderNatsConfig(topology) },
    ];
  });
}
