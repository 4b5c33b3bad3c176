import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { contentCid } from '../../core/cid.js';
import { EVENTS_STREAM, eventSubject } from '../../core/subjects.js';
import { freshRef } from '../../events/event-store.contract.js';
import { JetStreamEventStore } from '../../events/jetstream-event-store.js';
import { JetStreamTier } from '../../storage/tiers/jetstream-tier.js';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { connectNats } from '../connect.js';
import { CONTENT_BUCKET } from '../../core/buckets.js';
import { installedClientVersions } from './client-pins.js';
import type { FastPathMode } from './install.js';
import { installFastPath } from './install.js';
import { OutgoingHeaders } from './outgoing-headers.js';

// The client's internals the patches would replace, taken before anything is installed.
const require = createRequire(import.meta.url);
const transport = require('@nats-io/transport-node/lib/node_transport.js') as {
  NodeTransport: { prototype: { _send: unknown } };
};
const core = require('@nats-io/nats-core/internal') as {
  Parser: { prototype: { parse: unknown } };
};
const originalSend = transport.NodeTransport.prototype._send;
const originalParse = core.Parser.prototype.parse;

const warnings: { details: object; message: string }[] = [];
const processWarnings: Error[] = [];
const onWarning = (warning: Error) => processWarnings.push(warning);

let mode: FastPathMode;
let nats: TestNats;
let second: NatsConnection;
let encoded = 0;
const encode = Object.getOwnPropertyDescriptor(OutgoingHeaders.prototype, 'encode')!;

before(async () => {
  process.on('warning', onWarning);
  // An unknown release of nats-core, as if installed: versions are injected, node_modules untouched.
  mode = installFastPath({
    installedVersions: { ...installedClientVersions(), '@nats-io/nats-core': '3.99.0' },
    logger: { warn: (details, message) => warnings.push({ details, message }) },
  });
  nats = await startTestNats();
  second = await connectNats(nats.url, {
    logger: { warn: (details, message) => warnings.push({ details, message }) },
  });
  // Counts CIM's own header encoding, which the client calls only on the fast path.
  Object.defineProperty(OutgoingHeaders.prototype, 'encode', {
    ...encode,
    value(this: OutgoingHeaders) {
      encoded++;
      return (encode.value as () => Uint8Array).call(this);
    },
  });
});

after(async () => {
  Object.defineProperty(OutgoingHeaders.prototype, 'encode', encode);
  process.off('warning', onWarning);
  await second.close();
  await nats.stop();
});

test('an unknown client version leaves the client unpatched and is warned about once', async () => {
  assert.equal(mode.patched, false);
  assert.equal(installFastPath().patched, false, 'later calls keep the first decision');
  assert.equal(transport.NodeTransport.prototype._send, originalSend, 'writes not coalesced');
  assert.equal(core.Parser.prototype.parse, originalParse, 'reads not presized');
  // Nothing holds a turn's writes back: the socket is never corked.
  await nextTurn();
  second.publish('plain.x', 'one');
  await Promise.resolve();
  second.publish('plain.x', 'two');
  await Promise.resolve();
  const socket = (second as unknown as { protocol: { transport: { socket: Socket } } }).protocol
    .transport.socket;
  assert.equal(socket.writableCorked, 0);
  await nextTurn();
  assert.equal(warnings.length, 1, 'one warning for the process, however many connections');
  assert.equal(
    processWarnings.filter((w) => (w as { code?: string }).code === 'CIM_NATS_CLIENT_VERSION')
      .length,
    0,
    'and no second one through process.emitWarning',
  );
  const [warning] = warnings;
  assert.match(warning!.message, /@nats-io\/nats-core is 3\.99\.0/);
  assert.match(warning!.message, /written for 3\.4\.0/);
  assert.deepEqual(warning!.details, {
    packages: [{ name: '@nats-io/nats-core', installed: '3.99.0', expected: '3.4.0' }],
  });
});

test('events are appended and read back on the plain client path', async () => {
  const store = await JetStreamEventStore.open(second, { maxEventBytes: 1_000_000 });
  const ref = freshRef('plainpath');
  await store.append(
    ref,
    [
      { type: 'ThingMade', data: { n: 1 } },
      { type: 'ThingChanged', data: { n: 2 } },
    ],
    { expectedVersion: 0 },
  );
  await store.append(ref, [{ type: 'ThingChanged', data: { n: 3 } }], { expectedVersion: 2 });
  await assert.rejects(
    store.append(ref, [{ type: 'ThingChanged', data: { n: 4 } }], { expectedVersion: 2 }),
    'a stale expected version is still refused',
  );
  const events = await store.readAggregate(ref);
  assert.deepEqual(
    events.map(({ event }) => [event.version, event.type, event.data]),
    [
      [1, 'ThingMade', { n: 1 }],
      [2, 'ThingChanged', { n: 2 }],
      [3, 'ThingChanged', { n: 3 }],
    ],
  );
  // The headers went out through the client's own encoding, and arrived whole.
  assert.equal(encoded, 0, "CIM's header encoding is not handed to the client");
  const jsm = await jetstreamManager(nats.nc);
  const last = await jsm.direct.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(ref) });
  assert.equal(last?.header.get('Cim-Event-Type'), 'ThingChanged');
  assert.equal(last?.header.get('Cim-Event-Cid'), events[2]!.cid);
});

test('content is written and read back on the plain client path', async () => {
  const store = await JetStreamTier.open(second);
  // Several 512 KiB chunks, each spanning socket reads: the unpatched parser grows its buffers.
  for (const size of [1000, 3 * 512 * 1024 + 17]) {
    const bytes = randomBytes(size);
    const cid = contentCid(bytes).toString();
    assert.deepEqual(
      await store.put(cid, size, async function* () {
        yield bytes;
      }),
      { stored: true },
    );
    const content = await store.get(cid);
    assert.ok(content);
    const chunks: Uint8Array[] = [];
    for await (const chunk of content.stream()) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), bytes);
    // The library reads it too.
    const os = await new Objm(nats.nc).open(CONTENT_BUCKET);
    assert.deepEqual(Buffer.from((await os.getBlob(cid))!), bytes);
  }
});
