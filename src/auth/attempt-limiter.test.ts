import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimiter } from './attempt-limiter.js';

test('a key is locked after maxFailures failures in a row, for lockMs, and a success clears it', () => {
  let now = 1_000;
  const limiter = new AttemptLimiter({ maxFailures: 3, lockMs: 500 }, () => now);
  limiter.failed('ada');
  limiter.failed('ada');
  assert.equal(limiter.lockedFor('ada'), 0);
  limiter.failed('ada');
  assert.equal(limiter.lockedFor('ada'), 500);
  assert.equal(limiter.lockedFor('bob'), 0, 'other keys are not locked');
  now += 499;
  assert.equal(limiter.lockedFor('ada'), 1);
  now += 1;
  assert.equal(limiter.lockedFor('ada'), 0);
  limiter.failed('ada');
  limiter.succeeded('ada');
  limiter.failed('ada');
  limiter.failed('ada');
  assert.equal(limiter.lockedFor('ada'), 0, 'the success started the count again');
});
