import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startTestNats } from '../../testing/nats-harness.js';
import type { TestNats } from '../../testing/nats-harness.js';
import { UnavailableError } from '../../core/errors.js';
import { DirectReader } from './direct-reader.js';

let nats: TestNats;
before(async () => {
  nats = await startTestNats();
  const jsm = await jetstreamManager(nats.nc);
  await jsm.streams.add({ name: 'DIRECT', subjects: ['direct.>'], allow_direct: true });
  await jsm.streams.add({ name: 'NODIRECT', subjects: ['nodirect.>'] });
  const js = jetstream(nats.nc);
  await js.publish('direct.a', 'a1');
  await js.publish('direct.b', 'b1');
  await js.publish('direct.a', 'a2');
  await js.publish('nodirect.a', 'x');
});
after(() => nats.stop());

const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

test('reads by sequence, the next on a subject, and the last on a subject', async () => {
  const reader = new DirectReader(nats.nc);
  const second = await reader.get('DIRECT', { seq: 2 });
  assert.deepEqual([second?.seq, second?.subject, text(second!.data)], [2, 'direct.b', 'b1']);
  const nextA = await reader.get('DIRECT', { seq: 2, next_by_subj: 'direct.a' });
  assert.deepEqual([nextA?.seq, text(nextA!.data)], [3, 'a2']);
  const lastA = await reader.get('DIRECT', { last_by_subj: 'direct.a' });
  assert.deepEqual([lastA?.seq, text(lastA!.data)], [3, 'a2']);
  assert.equal(lastA?.header.get('Nats-Stream'), 'DIRECT');
});

test('a message that does not exist is null, not an error', async () => {
  const reader = new DirectReader(nats.nc);
  assert.equal(await reader.get('DIRECT', { seq: 99 }), null);
  assert.equal(await reader.get('DIRECT', { last_by_subj: 'direct.none' }), null);
  assert.equal(await reader.get('DIRECT', { seq: 1, next_by_subj: 'direct.none' }), null);
});

test('a stream that does not allow direct gets is unavailable at once', async () => {
  const reader = new DirectReader(nats.nc);
  await assert.rejects(reader.get('NODIRECT', { seq: 1 }), UnavailableError);
});

/** Counts the requests made of the stream's leader (`$JS.API.STREAM.MSG.GET`) while `body` runs. */
async function leaderReads(stream: string, body: () => Promise<void>): Promise<number> {
  let count = 0;
  const sub = nats.nc.subscribe(`$JS.API.STREAM.MSG.GET.${stream}`, {
    callback: () => {
      count++;
    },
  });
  await nats.nc.flush();
  try {
    await body();
    await nats.nc.flush();
  } finally {
    sub.unsubscribe();
  }
  return count;
}

test('the leader answers a read the same as a direct get, also on a stream without direct gets', async () => {
  const reader = new DirectReader(nats.nc);
  const lastA = await reader.getFromLeader('DIRECT', { last_by_subj: 'direct.a' });
  assert.deepEqual([lastA?.seq, lastA?.subject, text(lastA!.data)], [3, 'direct.a', 'a2']);
  assert.equal(await reader.getFromLeader('DIRECT', { last_by_subj: 'direct.none' }), null);
  const wild = await reader.getFromLeader('DIRECT', { last_by_subj: 'direct.>' });
  assert.equal(wild?.seq, 3);
  const plain = await reader.getFromLeader('NODIRECT', { seq: 1 });
  assert.equal(text(plain!.data), 'x');
});

test('on replicated streams a miss is asked of the leader before it is believed; a hit is not', async () => {
  const replicated = new DirectReader(nats.nc, { replicated: true });
  const single = new DirectReader(nats.nc);
  assert.equal(
    await leaderReads('DIRECT', async () => {
      assert.equal(await replicated.get('DIRECT', { last_by_subj: 'direct.none' }), null);
    }),
    1,
  );
  assert.equal(
    await leaderReads('DIRECT', async () => {
      assert.equal((await replicated.get('DIRECT', { seq: 1 }))?.subject, 'direct.a');
      assert.equal(await single.get('DIRECT', { last_by_subj: 'direct.none' }), null);
    }),
    0,
  );
});
