import type { AggregateHead } from './event-store.js';

/**
 * Remembers the heads of recently written aggregates so an append need not read the head first.
 * Only a hint: the server still checks every append, and a stale entry costs one retry.
 */
export class HeadCache {
  private readonly entries = new Map<string, AggregateHead>();

  constructor(private readonly capacity = 100_000) {}

  get(subject: string): AggregateHead | undefined {
    return this.entries.get(subject);
  }

  /**
   * Inserts or replaces. A replaced entry keeps its place, so eviction is oldest-inserted rather
   * than least-recently-used: cheaper on every append, and a wrongly evicted head costs one read.
   */
  set(subject: string, head: AggregateHead): void {
    this.entries.set(subject, head);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(subject: string): void {
    this.entries.delete(subject);
  }
}
