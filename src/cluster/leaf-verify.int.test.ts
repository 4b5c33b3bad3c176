import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { StreamConfig } from '@nats-io/jetstream';
import { contentCid } from '../core/cid.js';
import { EVENTS_STREAM } from '../core/subjects.js';
import { HEADER } from '../events/headers.js';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../nats/connect.js';
import { provision } from '../nats/provision.js';
import { startTestLeaf } from '../testing/nats-cluster.js';
import type { TestServers } from '../testing/nats-cluster.js';
import { ingestUnits, waitForSeq } from '../testing/leaf-harness.js';
import { LEAF_CONTENT_STREAM, leafMirrorNames } from './leaf-mirrors.js';
import { verifyLeafMirrors } from './leaf-verify.js';

const names = leafMirrorNames('t');
const spoolDir = mkdtempSync(join(tmpdir(), 'cim-leaf-verify-'));
let server: TestServers;
let nc: NatsConnection;

before(async () => {
  // A 2.10 server, as hubs and leaves run (here a lone leaf whose hub is absent). On the system's
  // 2.9.10 the same local mirrors came out without most objects' metadata (not investigated
  // further: leaves and hubs require 2.10).
  server = await startTestLeaf({ domain: 't', hubUrls: ['nats-leaf://127.0.0.1:1'] });
  nc = await connectNats(server.urls);
  await provision(nc, { duplicateWindowSeconds: 120 });
  // Mirrors within one server stand in for the hub's: verification reads only the mirrors.
  const jsm = await jetstreamManager(nc);
  for (const [name, source] of [
    [names.events, EVENTS_STREAM],
    [names.content, LEAF_CONTENT_STREAM],
  ] as const)
    await jsm.streams.add({
      name,
      mirror: { name: source },
      allow_rollup_hdrs: true,
      storage: 'file' as StreamConfig['storage'],
    });
});

after(async () => {
  await nc?.close();
  await server?.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

test('the hub finds sound mirrors sound, then names a forged event and a forged object', async () => {
  await ingestUnits(nc, 20, { prefix: 'sound', spoolDir, inFlight: 4 });
  const jsm = await jetstreamManager(nc);
  const sync = async () => {
    for (const [mirror, source] of [
      [names.events, EVENTS_STREAM],
      [names.content, LEAF_CONTENT_STREAM],
    ] as const)
      await waitForSeq(nc, mirror, (await jsm.streams.info(source)).state.last_seq, 10_000);
  };
  await sync();
  const sound = await verifyLeafMirrors(nc, 't');
  assert.equal(sound.ok, true, JSON.stringify(sound));
  assert.deepEqual([sound.events.events, sound.content.objects], [20, 20]);

  // An event whose body does not hash to its recorded CID, and an object whose bytes are not
  // those its name (CID) promises: what a tampering leaf or a corrupted link would send.
  const js = jetstream(nc);
  const h = headers();
  h.set(HEADER.eventCid, 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea');
  await js.publish('cim.events.units.document.forged', '{"not":"an event"}', { headers: h });
  const promised = contentCid(Buffer.from('the bytes promised')).toString();
  await js.publish(`$O.cim-content.C.forgednuid`, Buffer.from('other bytes'));
  const meta = { name: promised, bucket: 'cim-content', nuid: 'forgednuid', size: 11, chunks: 1 };
  await js.publish(
    `$O.cim-content.M.${Buffer.from(promised).toString('base64url')}`,
    JSON.stringify(meta),
  );
  await sync();
  const forged = await verifyLeafMirrors(nc, 't');
  assert.equal(forged.ok, false);
  assert.deepEqual(
    forged.events.problems.map((p) => [p.subject, p.kind]),
    [
      ['cim.events.units.document.forged', 'cid_mismatch'],
      ['cim.events.units.document.forged', 'not_an_envelope'],
    ],
  );
  assert.equal(forged.content.problems.length, 1);
  assert.equal(forged.content.problems[0]!.name, promised);
  assert.match(forged.content.problems[0]!.detail, /its bytes hash to bafkrei/);
  assert.equal(forged.content.objects, 20);
});
