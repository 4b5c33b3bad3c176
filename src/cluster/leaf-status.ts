import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { InvalidInputError, UnavailableError } from '../core/errors.js';
import { EVENTS_PREFIX, EVENTS_STREAM } from '../core/subjects.js';
import { CONTENT_BUCKET } from '../core/buckets.js';
import { LEAF_CONTENT_STREAM, leafMirrorNames } from './leaf-mirrors.js';

/** How far the hub's mirror of one leaf stream is behind the leaf. */
export interface StreamLag {
  readonly leafStream: string;
  readonly hubMirror: string;
  /** The sequence of the last message the leaf's stream holds. */
  readonly leaf: number;
  /** The mirror's last sequence; null when the hub could not be asked or has no mirror. */
  readonly hub: number | null;
  /** `leaf - hub`: sequences the hub has not reached yet; null when unknown. */
  readonly lag: number | null;
}

/** What `cim leaf status` reports. */
export interface LeafStatus {
  readonly domain: string;
  readonly hubDomain: string;
  /** `up` when the hub's JetStream API answers across the leaf link. */
  readonly link: 'up' | 'down';
  /** How the hub's figures were read: across the link, over a direct hub connection, or not. */
  readonly hubReadVia: 'link' | 'direct' | 'none';
  /** Why the hub's figures are missing, when they are. */
  readonly hubProblem?: string;
  /** What the leaf server's monitoring endpoint says of its leafnode connections, when asked. */
  readonly leafz?: { readonly connections: number; readonly hubs: readonly string[] };
  readonly events: StreamLag;
  readonly content: StreamLag;
}

/** The hub's API answers within this when the link is up; an answer takes milliseconds. */
const LINK_PROBE_MS = 2000;

async function mirrorSeq(jsm: JetStreamManager, name: string): Promise<number> {
  return (await jsm.streams.info(name)).state.last_seq;
}

/**
 * The sequence of the last message the leaf's stream still holds. Not `state.last_seq`: when the
 * newest message was removed (an object write abandoned for content already held purges its
 * chunks) a mirror never receives it, and a lag counted from `last_seq` would never reach 0.
 */
async function lastHeldSeq(jsm: JetStreamManager, name: string, subjects: string): Promise<number> {
  const { state } = await jsm.streams.info(name);
  if (state.messages === 0) return 0;
  // The stream's own subject filter: nats-server 2.10.27 finds nothing for a bare `>`.
  const last = await jsm.streams.getMessage(name, { last_by_subj: subjects });
  return last?.seq ?? state.last_seq;
}

/**
 * The link state and lag of a leaf node, asked from the leaf: its domain and last sequences from
 * its own JetStream, and the hub's mirrors across the link (`$JS.<hubDomain>.API`). When the link
 * is down the hub's figures come from `hub` (a direct connection to the hub) if given.
 */
export async function leafStatus(
  leaf: NatsConnection,
  options: { hubDomain?: string; hub?: NatsConnection; monitorUrl?: string } = {},
): Promise<LeafStatus> {
  const hubDomain = options.hubDomain ?? 'hub';
  const ljsm = await jetstreamManager(leaf, { timeout: 10_000 });
  const domain = (await ljsm.getAccountInfo()).domain;
  if (domain === undefined || domain === '')
    throw new InvalidInputError(
      `The server at ${leaf.getServer()} has no JetStream domain, so it is not a leaf node: pass the leaf's URL with --nats.`,
    );
  const names = leafMirrorNames(domain);
  const [leafEvents, leafContent] = await Promise.all([
    lastHeldSeq(ljsm, EVENTS_STREAM, `${EVENTS_PREFIX}.>`),
    lastHeldSeq(ljsm, LEAF_CONTENT_STREAM, `$O.${CONTENT_BUCKET}.>`),
  ]);
  let link: LeafStatus['link'] = 'down';
  let hubJsm: JetStreamManager | undefined;
  let hubReadVia: LeafStatus['hubReadVia'] = 'none';
  try {
    const across = await jetstreamManager(leaf, { domain: hubDomain, timeout: LINK_PROBE_MS });
    await across.getAccountInfo();
    link = 'up';
    hubJsm = across;
    hubReadVia = 'link';
  } catch {
    if (options.hub) {
      hubJsm = await jetstreamManager(options.hub, { timeout: 10_000 });
      hubReadVia = 'direct';
    }
  }
  let hubEvents: number | null = null;
  let hubContent: number | null = null;
  let hubProblem: string | undefined;
  if (hubJsm) {
    try {
      [hubEvents, hubContent] = await Promise.all([
        mirrorSeq(hubJsm, names.events),
        mirrorSeq(hubJsm, names.content),
      ]);
    } catch (err) {
      hubProblem = `the hub has no mirrors of ${domain} (${(err as Error).message}): run 'cim leaf attach --domain ${domain}' against the hub`;
    }
  } else hubProblem = 'the link is down and no direct hub connection was given (--hub-nats)';
  const leafz = options.monitorUrl === undefined ? undefined : await readLeafz(options.monitorUrl);
  const lag = (leafStream: string, hubMirror: string, l: number, h: number | null): StreamLag => ({
    leafStream,
    hubMirror,
    leaf: l,
    hub: h,
    lag: h === null ? null : l - h,
  });
  return {
    domain,
    hubDomain,
    link,
    hubReadVia,
    ...(hubProblem === undefined ? {} : { hubProblem }),
    ...(leafz === undefined ? {} : { leafz }),
    events: lag(EVENTS_STREAM, names.events, leafEvents, hubEvents),
    content: lag(LEAF_CONTENT_STREAM, names.content, leafContent, hubContent),
  };
}

/**
 * The leaf server's own view of its link (`/leafz` of its monitoring endpoint): the connections
 * it holds and the hub addresses they reach. An unreachable endpoint is an UnavailableError.
 */
export async function readLeafz(
  monitorUrl: string,
): Promise<{ connections: number; hubs: string[] }> {
  let body: { leafs?: { ip?: string; port?: number }[] };
  try {
    const response = await fetch(`${monitorUrl.replace(/\/$/, '')}/leafz`, {
      signal: AbortSignal.timeout(LINK_PROBE_MS),
    });
    body = (await response.json()) as typeof body;
  } catch (err) {
    throw new UnavailableError(
      `The leaf's monitoring endpoint ${monitorUrl} did not answer (${(err as Error).message}): check --monitor (the leaf's http address).`,
      { cause: err },
    );
  }
  const leafs = body.leafs ?? [];
  return { connections: leafs.length, hubs: leafs.map((l) => `${l.ip ?? '?'}:${l.port ?? '?'}`) };
}
