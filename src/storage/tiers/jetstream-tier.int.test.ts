import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/nats-core';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { contentCid } from '../../core/cid.js';
import { IntegrityError } from '../../core/errors.js';
import {
  AckPublisher,
  CHUNK_BYTES,
  deleteObject,
  metaSubject,
} from '../../nats/fast-path/index.js';
import { JetStreamTier } from './jetstream-tier.js';
import { tierContract } from './tier.contract.js';

/** Flips one byte of the last chunk of an object, behind the store's back. */
async function flipByte(nc: NatsConnection, cid: string, at: number): Promise<void> {
  const info = await (await new Objm(nc).open('cim-content')).info(cid);
  assert.ok(info, 'object metadata found');
  const chunkSubject = `$O.cim-content.C.${info.nuid}`;
  const jsm = await jetstreamManager(nc);
  const chunk = await jsm.direct.getMessage('OBJ_cim-content', { last_by_subj: chunkSubject });
  assert.ok(chunk, 'only a non-empty object can be corrupted');
  const flipped = Buffer.from(chunk.data);
  flipped[at] = flipped[at]! ^ 0xff;
  await jsm.streams.deleteMessage('OBJ_cim-content', chunk.seq);
  await jetstream(nc).publish(chunkSubject, flipped);
}

// The hot tier on a server of its own, so the contract starts from an empty bucket.
tierContract('JetStreamTier', async () => {
  const server = await startTestNats();
  return {
    tier: await JetStreamTier.open(server.nc),
    corrupt: (cid) => flipByte(server.nc, cid, 0),
    close: () => server.stop(),
  };
});

let nats: TestNats;
let store: JetStreamTier;

before(async () => {
  nats = await startTestNats();
  store = await JetStreamTier.open(nats.nc);
});
after(() => nats.stop());

const once = (bytes: Uint8Array) => () =>
  (async function* () {
    yield bytes;
  })();

async function readAll(store: JetStreamTier, cid: string): Promise<Buffer> {
  const content = await store.get(cid);
  assert.ok(content, `content ${cid} exists`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of content.stream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

test('content is stored once under its CID and reads back byte-exact', async () => {
  const bytes = randomBytes(300_000);
  const cid = contentCid(bytes).toString();
  assert.deepEqual(await store.put(cid, bytes.length, once(bytes)), { stored: true });
  const jsm = await jetstreamManager(nats.nc);
  const bytesHeld = async () => (await jsm.streams.info('OBJ_cim-content')).state.bytes;
  const before = await bytesHeld();
  assert.deepEqual(await store.put(cid, bytes.length, once(bytes)), { stored: false });
  assert.equal(await bytesHeld(), before, 'a duplicate put adds no bytes');
  const back = await readAll(store, cid);
  assert.equal(
    createHash('sha256').update(back).digest('hex'),
    createHash('sha256').update(bytes).digest('hex'),
  );
  assert.equal(await store.get(contentCid(randomBytes(10)).toString()), undefined);
});

test('bytes that do not match the CID are refused and leave nothing visible', async () => {
  const bytes = randomBytes(1000);
  const wrong = contentCid(randomBytes(1000)).toString();
  await assert.rejects(store.put(wrong, bytes.length, once(bytes)));
  assert.equal(await store.has(wrong), false);
});

// One chunk, and many (content over the threshold is verified as it streams, smaller content in
// memory): both must refuse a flipped byte.
for (const [what, size] of [
  ['small', 5000],
  ['large', 40 * CHUNK_BYTES],
] as const) {
  test(`a byte flipped inside JetStream (${what} object) is an integrity error naming the CID; other content still reads`, async () => {
    const good = Buffer.from(`good ${what} content\n`);
    const victim = randomBytes(size);
    const goodCid = contentCid(good).toString();
    const victimCid = contentCid(victim).toString();
    await store.put(goodCid, good.length, once(good));
    await store.put(victimCid, victim.length, once(victim));

    await flipByte(nats.nc, victimCid, 10);

    const namesVictim = (err: unknown) =>
      err instanceof IntegrityError && err.message.includes(victimCid);
    await assert.rejects(readAll(store, victimCid), namesVictim);
    // Streamed, nothing is read before get returns: the stream fails instead.
    const streamed = await store.get(victimCid, { streamed: true });
    assert.ok(streamed);
    await assert.rejects(async () => {
      for await (const _ of streamed.stream());
    }, namesVictim);
    assert.equal((await readAll(store, goodCid)).toString(), `good ${what} content\n`);
  });
}

test('objects are written in the object store format: a plain client reads them, digest checked, and refused writes leave no chunks', async () => {
  const os = await new Objm(nats.nc).open('cim-content');
  for (const size of [0, 1, CHUNK_BYTES, CHUNK_BYTES + 1, 5 * CHUNK_BYTES + 17, 3_000_000]) {
    const bytes = randomBytes(size);
    const cid = contentCid(bytes).toString();
    // Fed in uneven pieces, so chunk boundaries fall inside pieces.
    const pieces = () =>
      (async function* () {
        for (let at = 0; at < size; at += 50_000) yield bytes.subarray(at, at + 50_000);
      })();
    await store.put(cid, size, pieces);
    const info = await os.info(cid);
    assert.ok(info, `${size} bytes: info`);
    assert.equal(info.size, size);
    assert.equal(info.chunks, Math.ceil(size / CHUNK_BYTES));
    const read = await os.get(cid);
    assert.ok(read);
    const chunks: Uint8Array[] = [];
    for await (const chunk of read.data) chunks.push(chunk);
    assert.equal(
      (await read.error) ?? null,
      null,
      `${size} bytes: the client's digest check passes`,
    );
    assert.ok(Buffer.concat(chunks).equals(bytes), `${size} bytes read back by a plain client`);
  }
  const jsm = await jetstreamManager(nats.nc);
  const before = (await jsm.streams.info('OBJ_cim-content')).state.messages;
  const bytes = randomBytes(600_000);
  await assert.rejects(
    store.put(contentCid(randomBytes(8)).toString(), bytes.length, once(bytes)),
    IntegrityError,
  );
  assert.equal(
    (await jsm.streams.info('OBJ_cim-content')).state.messages,
    before,
    'the chunks of a refused write are purged',
  );
});

test('two writers of the same new content at once: the server lets exactly one store it, and the other leaves no chunks', async () => {
  const jsm = await jetstreamManager(nats.nc);
  const messages = async () => (await jsm.streams.info('OBJ_cim-content')).state.messages;
  const before = await messages();
  const bytes = randomBytes(3 * CHUNK_BYTES + 400_000);
  const cid = contentCid(bytes).toString();
  const results = await Promise.all([1, 2, 3].map(() => store.put(cid, bytes.length, once(bytes))));
  assert.deepEqual(results.map((r) => r.stored).sort(), [false, false, true]);
  assert.equal(await messages(), before + 4 + 1, 'one object: its chunks and its metadata');
  const back = await readAll(store, cid);
  assert.ok(back.equals(bytes));
});

test('a body longer than its declared size is refused as soon as it overruns, and leaves nothing', async () => {
  const jsm = await jetstreamManager(nats.nc);
  const messages = async () => (await jsm.streams.info('OBJ_cim-content')).state.messages;
  const before = await messages();
  const bytes = randomBytes(700_000);
  let yielded = 0;
  const endless = () =>
    (async function* () {
      for (;;) {
        yielded++;
        yield bytes.subarray(0, 100_000);
      }
    })();
  await assert.rejects(
    store.put(contentCid(bytes).toString(), bytes.length, endless),
    /More than the declared 700000 bytes/,
  );
  assert.ok(yielded <= 8, `stopped reading after ${yielded} pieces`);
  assert.equal(await messages(), before);
});

/** How many messages the stream holds on `subject`. */
async function held(subject: string): Promise<number> {
  const jsm = await jetstreamManager(nats.nc);
  const info = await jsm.streams.info('OBJ_cim-content', { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

test('delete marks the object deleted as the object store client sees it and purges its chunks', async () => {
  const os = await new Objm(nats.nc).open('cim-content');
  const bytes = randomBytes(2 * CHUNK_BYTES + 5);
  const cid = contentCid(bytes).toString();
  await store.put(cid, bytes.length, once(bytes));
  const nuid = (await os.info(cid))?.nuid;
  assert.ok(nuid);
  assert.equal(await held(`$O.cim-content.C.${nuid}`), 3);
  await store.delete(cid);
  const info = await os.info(cid);
  assert.equal(info?.deleted, true);
  assert.equal(info?.size, 0);
  assert.equal(await held(`$O.cim-content.C.${nuid}`), 0);
  assert.equal(await os.get(cid), null);
  assert.equal(await store.has(cid), false);
  await store.delete(cid);
  assert.deepEqual(await store.put(cid, bytes.length, once(bytes)), { stored: true });
  assert.deepEqual(await readAll(store, cid), bytes);
});

test('a delete leaves an object written anew after its metadata was read', async () => {
  const jsm = await jetstreamManager(nats.nc);
  const bucket = { name: 'cim-content', stream: 'OBJ_cim-content' };
  const deps = { publisher: new AckPublisher(nats.nc), jsm, bucket };
  const bytes = randomBytes(1000);
  const cid = contentCid(bytes).toString();
  await store.put(cid, bytes.length, once(bytes));
  const read = await jsm.direct.getMessage(bucket.stream, {
    last_by_subj: metaSubject(bucket, cid),
  });
  assert.ok(read);
  const stale = JSON.parse(read.string()) as { name: string; nuid: string };
  await store.delete(cid);
  await store.put(cid, bytes.length, once(bytes));
  assert.equal(await deleteObject(deps, stale, read.seq), false);
  assert.deepEqual(await readAll(store, cid), bytes);
});

test('a streamed read asks for the next chunk while the caller works on one, and no further', async () => {
  const bytes = randomBytes(3 * CHUNK_BYTES);
  const cid = contentCid(bytes).toString();
  await store.put(cid, bytes.length, once(bytes));
  const asked: number[] = [];
  const sub = nats.nc.subscribe('$JS.API.DIRECT.GET.OBJ_cim-content', {
    callback: (_err, msg) => {
      asked.push((msg.json() as { seq: number }).seq);
    },
  });
  await nats.nc.flush();
  try {
    const content = await store.get(cid, { streamed: true });
    assert.ok(content);
    const stream = content.stream()[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.byteLength, CHUNK_BYTES);
    await nats.nc.flush();
    assert.equal(asked.length, 2, 'the second chunk is asked for with the first in hand');
    await stream.return?.();
    await nats.nc.flush();
    assert.equal(asked.length, 2, 'a caller that stops early is not read for');
  } finally {
    sub.unsubscribe();
  }
});
