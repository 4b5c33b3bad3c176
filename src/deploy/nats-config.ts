import { z } from 'zod';
import { InvalidConfigError } from '../core/errors.js';
import { firstIssue, issueField, issueProblem } from '../core/zod-issue.js';
import { DEFAULT_SYNC_POLICY, syncPolicySchema } from '../core/sync-policy.js';

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'a listen address is HOST:PORT, e.g. 0.0.0.0:4222');
/** Paths and URLs end up quoted in the file: no control characters, no quotes. */
const plain = z
  .string()
  .min(1)
  .max(4096)
  // Control characters are what the pattern is about: they must not reach the file.
  // eslint-disable-next-line no-control-regex
  .regex(/^[^"\\\u0000-\u001f]+$/, 'no quotes, backslashes or control characters');

/** A subject or wildcard pattern (`cim.>`, `$O.cim-content.>`): tokens without spaces or quotes. */
const subjectPattern = z
  .string()
  .regex(/^[A-Za-z0-9_$*>:@+=~-]+(\.[A-Za-z0-9_$*>:@+=~-]+)*$/, 'a NATS subject such as cim.>');

/**
 * One nats-server's place in a topology: a leaf node (own JetStream domain, remotes to a hub),
 * a cluster member (routes to its peers), a hub (accepts leaf connections), or a mix. The same
 * description is rendered by `nix/lib/nats-config.nix`, which must give the same text.
 */
export const natsTopologySchema = z
  .object({
    serverName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _'),
    clientListen: hostPort,
    monitorListen: hostPort.exactOptional(),
    storeDir: plain,
    /** JetStream's `sync_interval`; unset renders `always` (fsync before acknowledging). */
    sync: syncPolicySchema.exactOptional(),
    /** JetStream domain: set on leaf nodes so their streams stay theirs. */
    domain: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .exactOptional(),
    maxPayload: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .exactOptional(),
    cluster: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        listen: hostPort,
        routes: z.array(plain).min(1),
        /** Mutual TLS on routes: each member presents its certificate, verified against `caFile`. */
        tls: z.object({ certFile: plain, keyFile: plain, caFile: plain }).strict().exactOptional(),
      })
      .strict()
      .exactOptional(),
    /** Where a hub accepts leaf node connections. */
    leafListen: hostPort.exactOptional(),
    /**
     * The HOST:PORT this hub tells leaf nodes to reconnect to, instead of its own leaf listen
     * address: the address of a NAT, a load balancer or a proxy in front of it. Leaf nodes add
     * what a hub advertises to their remote URLs, so without it they can go around a proxy.
     */
    leafAdvertise: hostPort.exactOptional(),
    /** Hubs to connect to: one URL, or `urls` for every member of a hub cluster. */
    leafRemotes: z
      .array(
        z
          .object({
            url: plain.exactOptional(),
            urls: z.array(plain).min(1).exactOptional(),
            credentialsFile: plain.exactOptional(),
            /** The CA the hub's leaf port certificate is checked against (TLS on the link). */
            caFile: plain.exactOptional(),
            /** Subjects the hub may not send over this link (a leaf keeps CIM's own subjects local). */
            denyImports: z.array(subjectPattern).min(1).exactOptional(),
            /** Subjects this server may not send to the hub. */
            denyExports: z.array(subjectPattern).min(1).exactOptional(),
          })
          .strict()
          .refine((r) => (r.url === undefined) !== (r.urls === undefined), {
            message: 'give either url or urls',
          }),
      )
      .exactOptional(),
    tls: z
      .object({ certFile: plain, keyFile: plain, caFile: plain.exactOptional() })
      .strict()
      .exactOptional(),
    /** TLS on the leaf port of a hub (`leafListen`). */
    leafTls: z
      .object({ certFile: plain, keyFile: plain, caFile: plain.exactOptional() })
      .strict()
      .exactOptional(),
    /**
     * Decentralised auth (`cim nats init`'s files): the operator JWT, the system account's public
     * key and the folder of account JWTs (`<public key>.jwt`) for the `full` resolver. Paths and a
     * public key only: no secret is rendered.
     */
    auth: z
      .object({
        operatorFile: plain,
        systemAccount: z.string().regex(/^A[A-Z2-7]{55}$/, 'an account public key (A…)'),
        accountsDir: plain,
      })
      .strict()
      .exactOptional(),
  })
  .strict();

/** A validated topology entry. */
export type NatsTopology = z.infer<typeof natsTopologySchema>;

/** A value of the configuration tree: what the file format holds. */
type ConfValue = string | number | boolean | ConfValue[] | { [key: string]: ConfValue | undefined };

/** The configuration as a tree of nats-server's own keys (absent sections left undefined). */
export function natsConfigTree(topology: NatsTopology): { [key: string]: ConfValue | undefined } {
  const t = topology;
  return {
    server_name: t.serverName,
    listen: t.clientListen,
    http: t.monitorListen,
    max_payload: t.maxPayload,
    jetstream: {
      store_dir: t.storeDir,
      domain: t.domain,
      sync_interval: t.sync ?? DEFAULT_SYNC_POLICY,
    },
    operator: t.auth?.operatorFile,
    system_account: t.auth?.systemAccount,
    resolver: t.auth && { type: 'full', dir: t.auth.accountsDir },
    cluster: t.cluster && {
      name: t.cluster.name,
      listen: t.cluster.listen,
      routes: t.cluster.routes,
      tls: t.cluster.tls && {
        cert_file: t.cluster.tls.certFile,
        key_file: t.cluster.tls.keyFile,
        ca_file: t.cluster.tls.caFile,
        verify: true,
      },
    },
    leafnodes:
      t.leafListen === undefined && t.leafRemotes === undefined
        ? undefined
        : {
            listen: t.leafListen,
            advertise: t.leafAdvertise,
            remotes: t.leafRemotes?.map((r) => ({
              url: r.url,
              urls: r.urls,
              credentials: r.credentialsFile,
              deny_imports: r.denyImports,
              deny_exports: r.denyExports,
              tls: r.caFile === undefined ? undefined : { ca_file: r.caFile },
            })),
            tls: t.leafTls && {
              cert_file: t.leafTls.certFile,
              key_file: t.leafTls.keyFile,
              ca_file: t.leafTls.caFile,
            },
          },
    tls: t.tls && { cert_file: t.tls.certFile, key_file: t.tls.keyFile, ca_file: t.tls.caFile },
  };
}

const indent = (depth: number) => '  '.repeat(depth);

/** A scalar or a block, at `depth`; keys sorted by code point, as Nix sorts attribute names. */
function renderValue(value: ConfValue, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => `${indent(depth + 1)}${renderValue(v, depth + 1)}\n`);
    return `[\n${items.join('')}${indent(depth)}]`;
  }
  return `{\n${renderEntries(value, depth + 1)}${indent(depth)}}`;
}

function renderEntries(tree: { [key: string]: ConfValue | undefined }, depth: number): string {
  return Object.keys(tree)
    .filter((key) => tree[key] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => {
      const value = tree[key]!;
      const isBlock = typeof value === 'object' && !Array.isArray(value);
      return `${indent(depth)}${key}${isBlock ? ' ' : ': '}${renderValue(value, depth)}\n`;
    })
    .join('');
}

/**
 * The nats-server configuration file for one server of a topology (validated first; a fault is
 * an InvalidConfigError naming the field).
 */
export function renderNatsConfig(input: unknown): string {
  const parsed = natsTopologySchema.safeParse(input);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new InvalidConfigError(
      `The NATS topology field ${issueField(issue) || '(root)'} is invalid: ${issueProblem(issue)}.`,
    );
  }
  return `# Rendered by CIM (src/deploy/nats-config.ts = nix/lib/nats-config.nix); do not edit.\n${renderEntries(natsConfigTree(parsed.data), 0)}`;
}
