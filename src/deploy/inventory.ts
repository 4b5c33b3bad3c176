import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { firstIssue, issueProblem } from '../core/zod-issue.js';
import { COMPONENTS as COMPONENT_NAMES } from '../core/components.js';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');
const port = z.number().int().min(1).max(65535);
const address = z.string().regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address');
/** A credential is the path of a file holding the secret (agenix, sops, a mounted secret). */
const credentialPath = z
  .string()
  .regex(
    /^\/[^\s"\\$]*$/,
    'give the absolute path of a file holding the secret, never the secret itself',
  );

const hostSchema = z
  .object({
    name,
    /** How the other hosts reach this one. */
    address,
    roles: z.array(z.enum(['leaf', 'cluster-member', 'hub'])).min(1),
    components: z.array(z.enum(COMPONENT_NAMES)).min(1),
    http: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: port.default(8080),
        /** HTTPS on the ui: its certificate and key files. */
        tls: z.object({ cert: credentialPath, key: credentialPath }).strict().optional(),
      })
      .strict()
      .prefault({}),
    nats: z
      .object({
        clientPort: port.default(4222),
        clusterPort: port.default(6222),
        leafPort: port.default(7422),
        monitorPort: port.optional(),
        /** A leaf's JetStream domain (default: the host's name). */
        domain: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .optional(),
        /** The hub a leaf connects to. */
        hub: name.optional(),
        /** Name of the credential holding the leaf's NATS credentials for its hub. */
        leafCredential: name.optional(),
        /**
         * Folder holding one `<component>.creds` per component of the host (the `creds/` of
         * `cim nats init`): each component's container gets its own file.
         */
        credentialsDir: credentialPath.optional(),
        /** The folder `cim nats init` wrote, for the host's server (it loads resolver.conf). */
        authDir: credentialPath.optional(),
        /** TLS of the components' NATS connections: the CA, and a client pair for mutual TLS. */
        tls: z
          .object({
            ca: credentialPath.optional(),
            cert: credentialPath.optional(),
            key: credentialPath.optional(),
          })
          .strict()
          .refine((t) => (t.cert === undefined) === (t.key === undefined), {
            message: 'cert and key go together',
          })
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Storage tiers, as in the config file; keys name credentials, never hold them. */
    tiers: z.record(name, z.record(z.string(), z.unknown())).default({}),
    /** Credential name → path of the file holding it, passed with systemd LoadCredential. */
    credentials: z.record(name, credentialPath).default({}),
    /** The first admin's credentials file, for the ui. */
    adminCredentials: credentialPath.optional(),
    /** Feature flags: any other setting of the config file (docs/operations.md), checked by it. */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** The inventory: hosts with their roles and components, and the hub cluster if there is one. */
export const inventorySchema = z
  .object({
    cluster: z
      .object({ name, members: z.array(name).min(1) })
      .strict()
      .optional(),
    hosts: z.array(hostSchema).min(1),
  })
  .strict();

/** A host as the inventory gives it, defaults filled in. */
export type InventoryHost = z.infer<typeof hostSchema>;
/** A parsed inventory. */
export type Inventory = z.infer<typeof inventorySchema>;

function refuse(host: string | undefined, field: string, problem: string): never {
  const where = host === undefined ? `field ${field}` : `host ${host}, field ${field}`;
  throw new InvalidInputError(`The inventory is invalid at ${where}: ${problem}.`);
}

/** The ports a host listens on, by the field that sets them. */
function portsOf(host: InventoryHost): [string, number][] {
  const roles = new Set(host.roles);
  const ports: [string, number][] = [
    ['http.port', host.http.port],
    ['nats.clientPort', host.nats.clientPort],
  ];
  if (roles.has('cluster-member')) ports.push(['nats.clusterPort', host.nats.clusterPort]);
  if (roles.has('hub')) ports.push(['nats.leafPort', host.nats.leafPort]);
  if (host.nats.monitorPort !== undefined) ports.push(['nats.monitorPort', host.nats.monitorPort]);
  return ports;
}

/**
 * Parses and checks an inventory: every field (unknown fields refused), unique host names and
 * addresses, no two listeners of a host on one port, a cluster of an odd number of members
 * that are the hosts with the role cluster-member, leaves pointing at a hub. Throws an
 * InvalidInputError naming the host and the field.
 */
export function parseInventory(input: unknown): Inventory {
  const parsed = inventorySchema.safeParse(input);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    const path = issue.path.map(String);
    const hostIndex = path[0] === 'hosts' && path[1] !== undefined ? Number(path[1]) : undefined;
    const hosts = (input as { hosts?: { name?: unknown }[] } | null)?.hosts;
    const hostName = hostIndex === undefined ? undefined : hosts?.[hostIndex]?.name;
    const host =
      hostIndex === undefined
        ? undefined
        : typeof hostName === 'string'
          ? hostName
          : `number ${hostIndex + 1}`;
    const field = (hostIndex === undefined ? path : path.slice(2)).join('.') || '(top level)';
    const message =
      issue.code === 'invalid_value' && field.startsWith('components')
        ? `not a component: choose among ${COMPONENT_NAMES.join(', ')}`
        : issueProblem(issue, { advise: true });
    refuse(host, field, message);
  }
  const inventory = parsed.data;
  const seen = new Map<string, InventoryHost>();
  const addresses = new Map<string, string>();
  for (const host of inventory.hosts) {
    if (seen.has(host.name)) refuse(host.name, 'name', 'another host has the same name');
    seen.set(host.name, host);
    const other = addresses.get(host.address);
    if (other) refuse(host.name, 'address', `host ${other} has the same address`);
    addresses.set(host.address, host.name);
    const taken = new Map<number, string>();
    for (const [field, value] of portsOf(host)) {
      const clash = taken.get(value);
      if (clash) refuse(host.name, field, `port ${value} is also ${clash}`);
      taken.set(value, field);
    }
    if (new Set(host.components).size !== host.components.length) {
      refuse(host.name, 'components', 'a component is listed twice');
    }
  }
  const members = inventory.cluster?.members ?? [];
  if (inventory.cluster) {
    if (members.length % 2 === 0) {
      refuse(
        undefined,
        'cluster.members',
        `a cluster needs an odd number of members for a quorum (3 or 5), not ${members.length}`,
      );
    }
    for (const member of members) {
      const host = seen.get(member);
      if (!host) refuse(undefined, 'cluster.members', `there is no host ${member}`);
      if (!host.roles.includes('cluster-member')) {
        refuse(
          member,
          'roles',
          `it is a member of cluster ${inventory.cluster.name}: give it the role cluster-member`,
        );
      }
    }
  }
  for (const host of inventory.hosts) {
    if (host.roles.includes('cluster-member') && !members.includes(host.name)) {
      refuse(host.name, 'roles', 'a cluster-member must be listed in cluster.members');
    }
    if (host.roles.includes('leaf')) {
      const hub = host.nats.hub === undefined ? undefined : seen.get(host.nats.hub);
      if (!hub || !hub.roles.includes('hub')) {
        refuse(host.name, 'nats.hub', 'a leaf names the host with the role hub it connects to');
      }
      if (
        host.nats.leafCredential !== undefined &&
        !(host.nats.leafCredential in host.credentials)
      ) {
        refuse(host.name, 'nats.leafCredential', 'name a credential listed in credentials');
      }
    }
  }
  return inventory;
}
