import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContentLocks } from './content-locks.js';

test('holders of one content run one after another, in the order they asked', async () => {
  const locks = new ContentLocks();
  const log: string[] = [];
  const holder = (name: string, ms: number) =>
    locks.with('a', async () => {
      log.push(`${name} in`);
      await sleep(ms);
      log.push(`${name} out`);
      return name;
    });
  const results = await Promise.all([holder('first', 30), holder('second', 1), holder('third', 1)]);
  assert.deepEqual(results, ['first', 'second', 'third']);
  assert.deepEqual(log, [
    'first in',
    'first out',
    'second in',
    'second out',
    'third in',
    'third out',
  ]);
  assert.equal(locks.size, 0);
});

test('different contents do not wait for each other', async () => {
  const locks = new ContentLocks();
  const log: string[] = [];
  await Promise.all([
    locks.with('a', async () => {
      await sleep(30);
      log.push('a');
    }),
    locks.with('b', async () => {
      log.push('b');
    }),
  ]);
  assert.deepEqual(log, ['b', 'a']);
});

test('a holder that throws releases the lock and its error reaches the caller', async () => {
  const locks = new ContentLocks();
  await assert.rejects(
    locks.with('a', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await locks.with('a', () => Promise.resolve(7)), 7);
  assert.equal(locks.size, 0);
});
