import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Spaces requests to each host: at most `ratePerHost` a second, or fewer when a host asks for a
 * Crawl-delay. A token bucket of one token per host: each caller reserves the next free slot
 * and sleeps until it (a timer, never a busy wait), so concurrent callers queue in order.
 */
export class HostRateLimiter {
  private readonly nextSlot = new Map<string, number>();
  private readonly intervals = new Map<string, number>();
  private readonly defaultIntervalMs: number;

  /** `ratePerHost` requests a second to each host; 0 means no limit. */
  constructor(ratePerHost: number) {
    this.defaultIntervalMs = ratePerHost > 0 ? 1000 / ratePerHost : 0;
  }

  /** Makes requests to `host` at least `ms` apart (a Crawl-delay), never closer than the rate. */
  slowDown(host: string, ms: number): void {
    this.intervals.set(host, Math.max(this.defaultIntervalMs, ms));
  }

  /** Resolves when a request to `host` may be made; rejects when `signal` aborts first. */
  async take(host: string, signal: AbortSignal): Promise<void> {
    const interval = this.intervals.get(host) ?? this.defaultIntervalMs;
    if (interval === 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(host) ?? now);
    this.nextSlot.set(host, slot + interval);
    if (slot > now) await sleep(slot - now, undefined, { signal });
  }
}
