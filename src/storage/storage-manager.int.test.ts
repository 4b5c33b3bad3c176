import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { pino } from 'pino';
import { contentCid } from '../core/cid.js';
import { IntegrityError } from '../core/errors.js';
import { JetStreamEventStore } from '../events/jetstream-event-store.js';
import { startTestNats } from '../testing/nats-harness.js';
import type { TestNats } from '../testing/nats-harness.js';
import { VERIFY_BEFORE_SERVING_BYTES } from './content-store.js';
import { StorageManager } from './storage-manager.js';
import { FolderTier } from './tiers/folder-tier.js';
import { JetStreamTier } from './tiers/jetstream-tier.js';

let nats: TestNats;
let root: string;
let warm: FolderTier;
let manager: StorageManager;

before(async () => {
  nats = await startTestNats();
  root = mkdtempSync(join(tmpdir(), 'cim-manager-'));
  warm = await FolderTier.open({ name: 'warm', root });
  const events = await JetStreamEventStore.open(nats.nc, { maxEventBytes: 512 * 1024 });
  manager = new StorageManager(
    [await JetStreamTier.open(nats.nc), warm],
    events,
    pino({ level: 'silent' }),
  );
});
after(async () => {
  await manager.close();
  await nats.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Content over the threshold, which tiers verify only as it streams. */
function large(): { bytes: Buffer; cid: string } {
  const bytes = randomBytes(VERIFY_BEFORE_SERVING_BYTES + 1024 * 1024);
  return { bytes, cid: contentCid(bytes).toString() };
}

const once = (bytes: Uint8Array) => () =>
  (async function* () {
    yield bytes;
  })();

async function flipHotByte(cid: string): Promise<void> {
  const info = await (await new Objm(nats.nc).open('cim-content')).info(cid);
  assert.ok(info);
  const subject = `$O.cim-content.C.${info.nuid}`;
  const jsm = await jetstreamManager(nats.nc);
  const chunk = await jsm.direct.getMessage('OBJ_cim-content', { last_by_subj: subject });
  assert.ok(chunk);
  const flipped = Buffer.from(chunk.data);
  flipped[0] = flipped[0]! ^ 0xff;
  await jsm.streams.deleteMessage('OBJ_cim-content', chunk.seq);
  await jetstream(nats.nc).publish(subject, flipped);
}

async function flipFolderByte(cid: string): Promise<void> {
  const file = await open(join(root, 'content', cid.slice(7, 9), cid), 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 0);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, 0);
  } finally {
    await file.close();
  }
}

test('writes go to hot, and content is found in whichever tier holds it', async () => {
  const content = large();
  assert.deepEqual(await manager.put(content.cid, content.bytes.length, once(content.bytes)), {
    stored: true,
  });
  assert.deepEqual(await manager.locate(content.cid), ['hot']);
  assert.equal(await manager.has(content.cid), true);
  const moved = await manager.move(content.cid, 'warm');
  assert.equal(moved.status, 'moved');
  assert.ok(Buffer.from((await manager.readBytes(content.cid))!).equals(content.bytes));
});

test('large content whose hot copy is corrupted is served from the next tier, the fault counted', async () => {
  const content = large();
  await manager.put(content.cid, content.bytes.length, once(content.bytes));
  await manager.move(content.cid, 'warm', { keep: true });
  await flipHotByte(content.cid);
  const faults = manager.readFaults('hot');
  const found = await manager.find(content.cid);
  assert.ok(found);
  assert.equal(found.tier, 'warm', 'the corrupted hot copy is read through and skipped');
  assert.equal(manager.readFaults('hot'), faults + 1);
  const chunks: Uint8Array[] = [];
  for await (const chunk of found.content.stream()) chunks.push(chunk);
  assert.ok(Buffer.concat(chunks).equals(content.bytes));
});

test('large content whose only copy is corrupted fails the read before any byte is served', async () => {
  const content = large();
  await manager.putVerified('warm', content.cid, content.bytes);
  await flipFolderByte(content.cid);
  await assert.rejects(
    manager.get(content.cid),
    (err: unknown) => err instanceof IntegrityError && err.message.includes(content.cid),
  );
  // Streamed, nothing is read first: the stream itself fails by its end.
  const streamed = await manager.get(content.cid, { streamed: true });
  assert.ok(streamed);
  await assert.rejects(async () => {
    for await (const _ of streamed.stream());
  }, IntegrityError);
});
