/**
 * One change of a content's placement at a time, per content, within this process: a lifecycle
 * move and a scrub's repair of the same content would otherwise interleave (the repair checks
 * the content's last move, the move then deletes the copy, the repair writes it back), leaving
 * a copy no event accounts for.
 */
export class ContentLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `body` once every earlier holder of `cid`'s lock is done, holding it meanwhile. */
  async with<T>(cid: string, body: () => Promise<T>): Promise<T> {
    const before = this.tails.get(cid) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(cid, tail);
    await before;
    try {
      return await body();
    } finally {
      release();
      // The last holder removes the entry, so the map only holds contents being changed.
      if (this.tails.get(cid) === tail) this.tails.delete(cid);
    }
  }

  /** How many contents are being changed or waited for (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
