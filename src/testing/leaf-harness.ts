import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import { contentCid } from '../core/cid.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { JetStreamTier } from '../storage/tiers/jetstream-tier.js';
import { UnitService } from '../units/unit-service.js';
import { scanStream } from '../cluster/stream-scan.js';
import { startTcpProxy } from './tcp-proxy.js';
import type { TcpProxy } from './tcp-proxy.js';
import { startTestCluster, startTestLeaf } from './nats-cluster.js';
import type { TestServers } from './nats-cluster.js';

/** A 3-member hub and a leaf whose only way to it runs through proxies a test can take down. */
export interface LeafTopology {
  readonly hub: TestServers;
  readonly leaf: TestServers;
  readonly proxies: readonly TcpProxy[];
  /** Cuts the leaf link for real (every proxy down: refused connections). */
  cut(): Promise<void>;
  reconnect(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the hub (domain `hub`) and a leaf in `domain`, linked only through the proxies.
 * `secure`: the hub has route TLS and requires NATS users; the leaf's link logs in as its `leaf`.
 */
export async function startLeafTopology(
  domain: string,
  options: { readonly secure?: boolean } = {},
): Promise<LeafTopology> {
  const proxies = await Promise.all([0, 1, 2].map(() => startTcpProxy('http://127.0.0.1:1')));
  // A name of its own: a route port reused by another test's cluster named `cim` (free ports are
  // picked per process) would otherwise merge the two clusters.
  const hub = await startTestCluster({
    hub: true,
    leafProxies: proxies,
    name: `hub-${process.pid}`,
    ...(options.secure === true ? { secure: true } : {}),
  });
  let leaf: TestServers;
  try {
    leaf = await startTestLeaf({
      domain,
      hubUrls: proxies.map((p) => `nats-leaf://${p.hostPort}`),
      ...(options.secure === true ? { hubCredentials: hub.creds('leaf') } : {}),
    });
  } catch (err) {
    await hub.stop();
    throw err;
  }
  return {
    hub,
    leaf,
    proxies,
    cut: async () => void (await Promise.all(proxies.map((p) => p.down()))),
    reconnect: async () => void (await Promise.all(proxies.map((p) => p.up()))),
    async stop() {
      // Each part is stopped even when another fails, so no server outlives the test.
      const results = await Promise.allSettled([
        ...proxies.map((p) => p.close()),
        leaf.stop(),
        hub.stop(),
      ]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * Ingests `count` small distinct units through CIM's own unit service (content in the object
 * store, a `UnitIngested` event on each document's chain), `inFlight` at a time.
 */
export async function ingestUnits(
  nc: NatsConnection,
  count: number,
  options: { prefix: string; inFlight?: number; spoolDir: string },
): Promise<void> {
  const events = await JetStreamEventStore.open(nc, { maxEventBytes: 1024 * 1024 });
  const content = await JetStreamTier.open(nc);
  const units = new UnitService(events, content, {
    spoolDir: options.spoolDir,
    maxContentBytes: 1024 * 1024,
  });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const bytes = Buffer.from(`${options.prefix} note ${i}: ${'lorem ipsum '.repeat(i % 20)}\n`);
      await units.ingest(
        {
          name: `${options.prefix}-${i}.txt`,
          source: `test://${options.prefix}/${i}`,
          tags: ['leaf'],
          context: null,
          contentCid: contentCid(bytes).toString(),
          size: bytes.length,
        },
        (async function* () {
          yield bytes;
        })(),
      );
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? 32 }, worker));
}

/** A stream's last sequence and bytes. */
export async function streamState(
  nc: NatsConnection,
  stream: string,
): Promise<{ lastSeq: number; bytes: number; messages: number }> {
  const { state } = await (await jetstreamManager(nc)).streams.info(stream);
  return { lastSeq: state.last_seq, bytes: state.bytes, messages: state.messages };
}

/** Waits until `stream` reaches `lastSeq`; resolves with the milliseconds it took. */
export async function waitForSeq(
  nc: NatsConnection,
  stream: string,
  lastSeq: number,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await streamState(nc, stream)).lastSeq >= lastSeq) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${stream} did not reach sequence ${lastSeq} in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A message's headers as sorted `name: value` lines, without `Nats-Expected-*`: those are the
 * publisher's preconditions, which nats-server 2.12+ drops when it mirrors a message
 * (nats-io/nats-server#6961); everything CIM recorded stays.
 */
function headerPairs(m: JsMsg): string[] {
  const h = m.headers;
  if (!h) return [];
  return h
    .keys()
    .filter((k) => !k.toLowerCase().startsWith('nats-expected-'))
    .flatMap((k) => h.values(k).map((v) => `${k}: ${v}`))
    .sort();
}

/**
 * Asserts `mirror` (on `hub`) holds exactly the messages of `source` (on `leaf`): same sequences,
 * subjects, headers (but the publisher's `Nats-Expected-*`) and payload bytes. Returns how many
 * messages were compared.
 */
export async function assertSameMessages(
  leaf: NatsConnection,
  source: string,
  hub: NatsConnection,
  mirror: string,
): Promise<number> {
  const theirs = scanStream(hub, mirror)[Symbol.asyncIterator]();
  let compared = 0;
  for await (const mine of scanStream(leaf, source)) {
    const step = await theirs.next();
    assert.ok(!step.done, `${mirror} ends before sequence ${mine.seq} of ${source}`);
    const copy = step.value;
    assert.equal(copy.seq, mine.seq, `sequence of message ${compared + 1}`);
    assert.equal(copy.subject, mine.subject, `subject at ${mine.seq}`);
    assert.deepEqual(headerPairs(copy), headerPairs(mine), `headers at ${mine.seq}`);
    assert.ok(Buffer.from(copy.data).equals(Buffer.from(mine.data)), `payload at ${mine.seq}`);
    compared++;
  }
  const rest = await theirs.next();
  assert.ok(rest.done === true, `${mirror} holds more than ${source}`);
  return compared;
}
