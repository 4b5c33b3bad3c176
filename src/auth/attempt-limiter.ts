/** How many failures in a row lock a key, and for how long. */
export interface AttemptLimits {
  /** Failures in a row for one key before it is locked. */
  readonly maxFailures: number;
  /** How long a locked key stays locked. */
  readonly lockMs: number;
}

/**
 * Counts failed attempts per key (an account, an address) and locks a key for a while after too
 * many in a row: a guesser gets `maxFailures` tries per lock period instead of as many as it can
 * send. A success clears the key. In memory, per process: a ui restart forgets, which costs a
 * guesser one more round and saves the owner from a stale lock.
 */
export class AttemptLimiter {
  private readonly state = new Map<string, { failures: number; lockedUntil: number }>();

  constructor(
    private readonly limits: AttemptLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds `key` stays locked, or 0 when it may try now. */
  lockedFor(key: string): number {
    const entry = this.state.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.lockedUntil - this.now());
  }

  failed(key: string): void {
    const entry = this.state.get(key) ?? { failures: 0, lockedUntil: 0 };
    entry.failures += 1;
    if (entry.failures >= this.limits.maxFailures) {
      entry.lockedUntil = this.now() + this.limits.lockMs;
      entry.failures = 0;
    }
    this.state.set(key, entry);
    if (this.state.size > 10_000) this.forgetUnlocked();
  }

  succeeded(key: string): void {
    this.state.delete(key);
  }

  /** Bounds memory under a flood of distinct keys: only locked keys are worth keeping. */
  private forgetUnlocked(): void {
    const now = this.now();
    for (const [key, entry] of this.state) if (entry.lockedUntil <= now) this.state.delete(key);
  }
}
