/** How a failed item or poll is retried (a definition's `retry`). */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * The wait before retry number `attempt` (1: the first retry): exponential from `backoffMs`,
 * capped at `maxBackoffMs`, with "equal jitter" (half of it fixed, half random) so many connectors that
 * failed together do not all retry at the same moment. `random` is injected for tests.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Spaces takes to at most `perSecond` a second (0: no limit), a token bucket of one second's
 * burst. `now` is injected for tests.
 */
export class RateLimiter {
  private next = 0;
  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next take (and reserves it). */
  reserve(): number {
    if (this.perSecond <= 0) return 0;
    const now = this.now();
    const start = Math.max(this.next, now - 1000);
    this.next = start + 1000 / this.perSecond;
    return Math.max(0, start - now);
  }
}
