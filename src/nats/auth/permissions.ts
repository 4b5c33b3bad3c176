import {
  AUTH_SESSIONS_BUCKET,
  AUTH_TOKENS_BUCKET,
  AUTH_USERS_BUCKET,
  CONTENT_BUCKET,
  CONTENT_READS_BUCKET,
  DEAD_LETTERS_BUCKET,
  PROJECTIONS_BUCKET,
  REGISTRY_BUCKET,
  STEP_RESULTS_BUCKET,
} from '../../core/buckets.js';
import { COMPONENTS } from '../../core/components.js';
import type { ComponentName } from '../../core/components.js';
import { API_PREFIX, EVENTS_PREFIX, EVENTS_STREAM, assertToken } from '../../core/subjects.js';

/** Publish and subscribe allow lists of one NATS user; anything not listed is refused. */
export interface UserPermissions {
  readonly pub: readonly string[];
  readonly sub: readonly string[];
}

/**
 * The user a leaf node's remote connects to the hub with. Leaf connections carry what the leaf
 * node's own clients publish and subscribe, bounded by the remote's deny lists (cluster-plan.ts).
 */
export const LEAF_USER = 'leaf';

/** A leaf node is a CIM node: what its own components may do reaches the hub through the link. */
export const leafPermissions = (): UserPermissions => ({ pub: ['>'], sub: ['>'] });

/** The user that runs several components in one process (`cim up`): the union of theirs. */
export const NODE_USER = 'node';

const OBJ_STREAM = `OBJ_${CONTENT_BUCKET}`;
const kvStream = (bucket: string) => `KV_${bucket}`;
const AUTH_KV = [AUTH_USERS_BUCKET, AUTH_TOKENS_BUCKET, AUTH_SESSIONS_BUCKET];
const ALL_KV = [
  PROJECTIONS_BUCKET,
  STEP_RESULTS_BUCKET,
  DEAD_LETTERS_BUCKET,
  CONTENT_READS_BUCKET,
  REGISTRY_BUCKET,
  ...AUTH_KV,
];

/**
 * Every process authenticates its callers from the watched users, tokens and sessions buckets
 * (src/auth/auth-directory.ts), so every component reads them.
 */
const READ_AUTH = AUTH_KV.flatMap((b) => [
  // What a watch and a get need, no more: every subject is part of the user's JWT, which goes in
  // the connection's CONNECT line and must stay under nats-server's 4 KiB control line limit.
  `$JS.API.STREAM.INFO.${kvStream(b)}`,
  `$JS.API.CONSUMER.*.${kvStream(b)}.>`,
  `$JS.API.DIRECT.GET.${kvStream(b)}.>`,
  `$JS.FC.${kvStream(b)}.>`,
]);

/** What every client needs: its inboxes, JetStream's account info and the stream list. */
const BASE_PUB = ['$JS.API.INFO', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST'];
const BASE_SUB = ['_INBOX.>'];

/** Reading one stream: info, direct and stored gets, consumers, their acks and flow control. */
function readStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.*.${stream}`,
    `$JS.API.CONSUMER.*.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Creating, reconfiguring and looking at one stream (provisioning, scaling replicas). */
function manageStream(stream: string): string[] {
  return [`$JS.API.STREAM.*.${stream}`];
}

/** Serving operations of `component` on `cim.api.<component>.>` as a NATS service. */
function serveApi(component: string): string[] {
  return [`${API_PREFIX}.${component}.>`, `${API_PREFIX}.node.>`, '$SRV.>'];
}

const STREAMS = [EVENTS_STREAM, OBJ_STREAM, ...ALL_KV.map(kvStream)];

/** Every stream a provisioning component creates or scales (provision.ts). */
const PROVISIONING = STREAMS.flatMap(manageStream);

/**
 * Writing every event and every content, and all of JetStream's API in the account: the
 * components that write also provision, repair, archive and purge, on every stream of CIM's.
 */
const DATA_PUB = [
  `${EVENTS_PREFIX}.>`,
  `$O.${CONTENT_BUCKET}.>`,
  ...ALL_KV.map((b) => `$KV.${b}.>`),
  '$JS.API.>',
  '$JS.ACK.>',
  '$JS.FC.>',
];

/**
 * The permissions of each component's user. `events`, `units` and `pipeline` write events and
 * content and provision the streams; `registry` provisions (it may start first) and keeps the
 * registry bucket but writes no event and reads no content; `ui` writes nothing to JetStream but
 * its registry record, reads the history (its event feed) and the registry, and reaches every
 * other component through `cim.api.>`: it can neither publish to `cim.events.>` nor read the
 * content stream.
 */
export function componentPermissions(component: ComponentName): UserPermissions {
  const api = `${API_PREFIX}.>`;
  switch (component) {
    case 'events':
    case 'units':
      return {
        pub: [...BASE_PUB, api, ...DATA_PUB],
        sub: [...BASE_SUB, ...serveApi(component)],
      };
    case 'pipeline':
      // It runs steps on plugin services too (remote-processor.ts).
      return {
        pub: [...BASE_PUB, api, ...DATA_PUB, 'cim.plugin.>'],
        sub: [...BASE_SUB, ...serveApi(component)],
      };
    case 'registry':
      return {
        pub: [
          ...BASE_PUB,
          api,
          ...PROVISIONING,
          `$KV.${REGISTRY_BUCKET}.>`,
          ...readStream(EVENTS_STREAM),
          ...readStream(kvStream(REGISTRY_BUCKET)),
          ...readStream(kvStream(PROJECTIONS_BUCKET)),
          ...READ_AUTH,
        ],
        sub: [...BASE_SUB, ...serveApi(component)],
      };
    case 'ui':
      return {
        pub: [
          ...BASE_PUB,
          api,
          `$KV.${REGISTRY_BUCKET}.>`,
          ...readStream(EVENTS_STREAM),
          ...readStream(kvStream(REGISTRY_BUCKET)),
          ...readStream(kvStream(PROJECTIONS_BUCKET)),
          ...READ_AUTH,
          // Browser sign-in happens here: the session bucket, and the sign-in events (domain
          // `auth` only; every other event still goes through the components that write).
          `$KV.${AUTH_SESSIONS_BUCKET}.>`,
          `${EVENTS_PREFIX}.auth.>`,
        ],
        sub: [...BASE_SUB, ...serveApi(component)],
      };
  }
}

/** True when subject pattern `wide` matches every subject `narrow` matches. */
export function covers(wide: string, narrow: string): boolean {
  const w = wide.split('.');
  const n = narrow.split('.');
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '>') return n.length > i;
    if (i >= n.length) return false;
    if (w[i] !== '*' && w[i] !== n[i]) return false;
    if (w[i] === '*' && n[i] === '>') return false;
  }
  return w.length === n.length;
}

/** `subjects` without those another of them already covers (a user's JWT stays small). */
function union(subjects: Iterable<string>): string[] {
  const all = [...new Set(subjects)];
  return all.filter((s) => !all.some((other) => other !== s && covers(other, s)));
}

/**
 * The union of the permissions of `components`: the user of a process that runs several of them
 * (`cim up` runs every one as the `node` user).
 */
export function unionPermissions(components: readonly ComponentName[]): UserPermissions {
  const parts = components.map(componentPermissions);
  return {
    pub: union(parts.flatMap((p) => p.pub)),
    sub: union(parts.flatMap((p) => p.sub)),
  };
}

/** The permissions of {@link NODE_USER}: every component's. */
export const nodePermissions = (): UserPermissions => unionPermissions(COMPONENTS);

/**
 * A plugin service's user: it answers `cim.plugin.<name>.>`, keeps its own registry records
 * (keys `<name>.…`) and reads content too large to travel in the request. Nothing else.
 */
export function pluginPermissions(name: string): UserPermissions {
  assertToken('plugin name', name);
  return {
    pub: [
      ...BASE_PUB,
      `$KV.${REGISTRY_BUCKET}.${name}.>`,
      `$JS.API.STREAM.INFO.${kvStream(REGISTRY_BUCKET)}`,
      ...readStream(OBJ_STREAM),
    ],
    sub: [`${pluginInbox(name)}.>`, `cim.plugin.${name}.>`],
  };
}

/**
 * The inbox prefix a plugin service's client sets (`inboxPrefix`): its replies arrive there, and
 * it may not listen on `_INBOX.>`, where every other client's replies travel.
 */
export function pluginInbox(name: string): string {
  return `_INBOX_plugin_${assertToken('plugin name', name)}`;
}
