import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../nats/connect.js';
import { provision } from '../nats/provision.js';
import { EVENTS_STREAM } from '../core/subjects.js';
import { runCim } from '../testing/cli.js';
import type { LeafTopology } from '../testing/leaf-harness.js';
import {
  assertSameMessages,
  ingestUnits,
  startLeafTopology,
  streamState,
  waitForSeq,
} from '../testing/leaf-harness.js';
import { LEAF_CONTENT_STREAM, leafMirrorNames } from './leaf-mirrors.js';
import type { LeafStatus } from './leaf-status.js';
import type { LeafVerifyReport } from './leaf-verify.js';

const DOMAIN = 'site1';
const OFFLINE_INGESTS = 10_000;
const mirrors = leafMirrorNames(DOMAIN);
const spoolDir = mkdtempSync(join(tmpdir(), 'cim-leaf-spool-'));
let topo: LeafTopology;
let leafNc: NatsConnection;
let hubNc: NatsConnection;

before(async () => {
  // The hub requires NATS users and runs route TLS; the leaf's link logs in as the hub's leaf user.
  topo = await startLeafTopology(DOMAIN, { secure: true });
  leafNc = await connectNats(topo.leaf.urls);
  hubNc = await connectNats(topo.hub.urls, { credentials: topo.hub.creds('node') });
  await provision(leafNc, { duplicateWindowSeconds: 120 });
  // The hub runs CIM too: its own streams must not pick up what the leaf writes.
  await provision(hubNc, { duplicateWindowSeconds: 120, replicas: 3 });
});

after(async () => {
  await Promise.allSettled([leafNc?.close(), hubNc?.close()]);
  await topo?.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** The CLI as the hub's node user (the leaf's server takes any local client). */
const cim = (args: readonly string[]) =>
  runCim(args, { CIM_NATS_CREDENTIALS: topo.hub.creds('node') });

const status = async (): Promise<LeafStatus> => {
  const r = await cim([
    'leaf',
    'status',
    '--nats',
    topo.leaf.urls,
    '--hub-nats',
    topo.hub.urls,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as LeafStatus;
};

test(
  'a leaf whose link logs in to a hub requiring NATS users, cut off for 10,000 ingests, catches up on reconnection: every event and object byte-exact, chains verified on the hub',
  // 110 s and 331 s measured with a core kept busy on a machine at load ~25 (the offline ingest
  // took 36 s and 135 s): more than the runner's 5-minute default leaves room for.
  { timeout: 600_000 },
  async () => {
    const attach = await cim(['leaf', 'attach', '--domain', DOMAIN, '--nats', topo.hub.urls]);
    assert.equal(attach.code, 0, attach.stderr);
    const again = await cim([
      'leaf',
      'attach',
      '--domain',
      DOMAIN,
      '--nats',
      topo.hub.urls,
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      (JSON.parse(again.stdout) as { mirrors: { action: string }[] }).mirrors.map((m) => m.action),
      ['unchanged', 'unchanged'],
      'attach is idempotent',
    );

    // Linked: units flow to the hub as they are written.
    await ingestUnits(leafNc, 100, { prefix: 'linked', spoolDir });
    const linked = await streamState(leafNc, EVENTS_STREAM);
    await waitForSeq(hubNc, mirrors.events, linked.lastSeq, 30_000);
    const before = await status();
    assert.equal(before.link, 'up');
    assert.equal(before.events.lag, 0);

    await topo.cut();
    const cutStatus = await status();
    assert.equal(cutStatus.link, 'down');
    const started = Date.now();
    await ingestUnits(leafNc, OFFLINE_INGESTS / 2, { prefix: 'offline-a', spoolDir });
    const midway = await status();
    await ingestUnits(leafNc, OFFLINE_INGESTS / 2, { prefix: 'offline-b', spoolDir });
    const ingestMs = Date.now() - started;
    const offline = await status();
    assert.equal(midway.link, 'down');
    assert.equal(offline.link, 'down');
    assert.ok(midway.events.lag! >= OFFLINE_INGESTS / 2, `lag ${midway.events.lag} while cut`);
    assert.ok(offline.events.lag! >= OFFLINE_INGESTS, `lag ${offline.events.lag} while cut`);
    assert.ok(offline.content.lag! > midway.content.lag!, 'the content lag grows while cut');

    const leafEvents = await streamState(leafNc, EVENTS_STREAM);
    const leafContent = await streamState(leafNc, LEAF_CONTENT_STREAM);
    const hubEventsAtCut = await streamState(hubNc, mirrors.events);
    const hubContentAtCut = await streamState(hubNc, mirrors.content);
    assert.ok(hubEventsAtCut.lastSeq < leafEvents.lastSeq, 'nothing crossed while cut');

    await topo.reconnect();
    const [eventsMs, contentMs] = await Promise.all([
      waitForSeq(hubNc, mirrors.events, leafEvents.lastSeq, 120_000),
      waitForSeq(hubNc, mirrors.content, leafContent.lastSeq, 120_000),
    ]);
    const caughtUp = await status();
    assert.equal(caughtUp.link, 'up');
    assert.equal(caughtUp.hubReadVia, 'link');
    assert.equal(caughtUp.events.lag, 0);
    assert.equal(caughtUp.content.lag, 0);

    const events = await assertSameMessages(leafNc, EVENTS_STREAM, hubNc, mirrors.events);
    const contentMessages = await assertSameMessages(
      leafNc,
      LEAF_CONTENT_STREAM,
      hubNc,
      mirrors.content,
    );
    assert.equal(events, leafEvents.messages);
    assert.equal(contentMessages, leafContent.messages);

    const verified = await cim([
      'leaf',
      'verify',
      '--domain',
      DOMAIN,
      '--nats',
      topo.hub.urls,
      '--json',
    ]);
    assert.equal(verified.code, 0, verified.stderr || verified.stdout);
    const report = JSON.parse(verified.stdout) as LeafVerifyReport;
    assert.equal(report.ok, true);
    assert.equal(report.events.events, OFFLINE_INGESTS + 100);
    assert.equal(report.events.aggregates, OFFLINE_INGESTS + 100);
    assert.equal(report.content.objects, OFFLINE_INGESTS + 100);
    assert.deepEqual(report.content.problems, []);

    // Aggregates are owned by one domain: the hub's own stream holds none of the leaf's events.
    assert.equal((await streamState(hubNc, EVENTS_STREAM)).messages, 0);

    const eventsMoved = leafEvents.lastSeq - hubEventsAtCut.lastSeq;
    const objectsMoved = OFFLINE_INGESTS;
    const mb =
      (leafContent.bytes - hubContentAtCut.bytes + leafEvents.bytes - hubEventsAtCut.bytes) / 1e6;
    const seconds = Math.max(eventsMs, contentMs) / 1000;
    console.log(
      `leaf catch-up: ${eventsMoved} events in ${(eventsMs / 1000).toFixed(2)} s (${Math.round(eventsMoved / (eventsMs / 1000))} events/s), ` +
        `${objectsMoved} objects in ${(contentMs / 1000).toFixed(2)} s (${Math.round(objectsMoved / (contentMs / 1000))} objects/s), ` +
        `${mb.toFixed(1)} MB stored in ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(1)} MB/s); ` +
        `offline ingest of ${OFFLINE_INGESTS} units took ${(ingestMs / 1000).toFixed(1)} s on the leaf`,
    );
  },
);
