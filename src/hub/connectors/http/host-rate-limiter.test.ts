import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostRateLimiter } from './host-rate-limiter.js';

test('requests to one host are spaced by the rate, other hosts are not held up', async () => {
  const limiter = new HostRateLimiter(20);
  const signal = new AbortController().signal;
  const started = Date.now();
  await Promise.all([1, 2, 3].map(() => limiter.take('a', signal)));
  // Three slots 50 ms apart: the third waits at least 100 ms (timers never fire early).
  assert.ok(Date.now() - started >= 95, 'the third request to a waited its slot');
  const other = Date.now();
  await limiter.take('b', signal);
  assert.ok(Date.now() - other < 40, 'another host goes at once');
});

test('a Crawl-delay slows a host, and an abort ends the wait', async () => {
  const limiter = new HostRateLimiter(0);
  limiter.slowDown('a', 10_000);
  const stop = new AbortController();
  await limiter.take('a', stop.signal);
  const waiting = limiter.take('a', stop.signal);
  stop.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
});
