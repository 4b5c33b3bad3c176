import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, UnavailableError } from '../core/errors.js';
import { EVENTS_STREAM } from '../core/subjects.js';
import { CONTENT_BUCKET } from '../core/buckets.js';
import { isPlacementPending, PLACEMENT_WAIT_MS } from '../nats/placement.js';
import { isApiError, JetStreamApiCodes } from '../nats/api-error.js';

/** The leaf's object store stream holding content (ADR-20: `OBJ_<bucket>`). */
export const LEAF_CONTENT_STREAM = `OBJ_${CONTENT_BUCKET}`;

const DOMAIN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The hub's mirrors of one leaf. Named `CIM_EVENTS_LEAF_<domain>` and `CIM_CONTENT_LEAF_<domain>`:
 * the prefix says whose they are, and the content mirror deliberately does not start with `OBJ_`,
 * since object store clients would take it for a bucket of its own and it is not one (a mirror
 * has no subjects; its messages keep the leaf's `$O.cim-content.…` subjects).
 */
export function leafMirrorNames(domain: string): { events: string; content: string } {
  if (!DOMAIN.test(domain))
    throw new InvalidInputError(
      `The leaf domain "${domain}" is not valid: use 1-64 letters, digits, - and _.`,
    );
  return { events: `CIM_EVENTS_LEAF_${domain}`, content: `CIM_CONTENT_LEAF_${domain}` };
}

/** What {@link attachLeaf} did to each mirror. */
export interface AttachReport {
  readonly domain: string;
  readonly mirrors: { readonly name: string; readonly source: string; readonly action: string }[];
}

async function ensureMirror(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  name: string,
  source: string,
  domain: string,
  replicas: number,
): Promise<string> {
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  const api = `$JS.${domain}.API`;
  if (info === undefined) {
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      storage: 'file' as StreamConfig['storage'],
      num_replicas: replicas,
      mirror: { name: source, external: { api, deliver: '' } },
      // The object store writes each object's metadata with a `Nats-Rollup: sub` header; a
      // mirror without this refuses those messages (measured: it then held the chunks only and
      // stalled), so the mirror must accept them as its source did.
      allow_rollup_hdrs: true,
      description: `CIM: mirror of ${source} of leaf domain ${domain}`,
    };
    await jsm.streams.add(config);
    return 'created';
  }
  const mirror = info.config.mirror;
  if (mirror?.name !== source || mirror.external?.api !== api)
    throw new InvalidInputError(
      `The hub already has a stream ${name} that is not a mirror of ${source} in domain ${domain}: remove it or choose another domain.`,
    );
  if (info.config.num_replicas === replicas && info.config.allow_rollup_hdrs === true)
    return 'unchanged';
  await jsm.streams.update(name, {
    ...info.config,
    num_replicas: replicas,
    allow_rollup_hdrs: true,
  });
  return info.config.num_replicas === replicas
    ? 'rollup headers allowed'
    : `replicas ${info.config.num_replicas} -> ${replicas}`;
}

/**
 * Creates (or checks, idempotently) the hub's mirrors of a leaf's events and content, fetched
 * through the leaf's JetStream domain API (`$JS.<domain>.API`) whenever the leaf link is up.
 * Mirrors keep the leaf's sequences, subjects, headers (nats-server 2.12+ drops only the
 * publisher's `Nats-Expected-*` preconditions) and payloads, so chains verify on the hub; the hub
 * never appends to them. `replicas` is 3 on a hub cluster, 1 on a lone hub.
 */
export async function attachLeaf(
  hub: NatsConnection,
  options: { domain: string; replicas?: number; timeoutMs?: number },
): Promise<AttachReport> {
  const names = leafMirrorNames(options.domain);
  const replicas = options.replicas ?? 3;
  const jsm = await jetstreamManager(hub, { timeout: 10_000 });
  const deadline = Date.now() + (options.timeoutMs ?? PLACEMENT_WAIT_MS);
  const mirrors: AttachReport['mirrors'] = [];
  for (const [name, source] of [
    [names.events, EVENTS_STREAM],
    [names.content, LEAF_CONTENT_STREAM],
  ] as const) {
    for (;;) {
      try {
        mirrors.push({
          name,
          source,
          action: await ensureMirror(jsm, name, source, options.domain, replicas),
        });
        break;
      } catch (err) {
        if (!isPlacementPending(err)) throw err;
        if (Date.now() > deadline)
          throw new UnavailableError(
            `The hub cannot place ${replicas} replicas of ${name} (${(err as Error).message}): start every hub member, or pass --replicas 1 for a lone hub server.`,
            { cause: err },
          );
        await sleep(250);
      }
    }
  }
  return { domain: options.domain, mirrors };
}
