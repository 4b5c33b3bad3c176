import type { Validators } from '../http/validators.js';

/** What a session remembers of a page it fetched: how to ask if it changed, and its links. */
export interface CachedPage {
  readonly validators: Validators;
  readonly links: readonly string[];
}

/**
 * The validators and links of the pages a running session fetched, in memory only and at most
 * `capacity` of them (the oldest used is forgotten first). While the session runs, an
 * unchanged page is asked for conditionally and its 304 costs nothing; after a restart every
 * page is fetched whole once and the hub's CID check records it `seen-again`. Keeping them in
 * the cursor instead would make it grow with the site.
 */
export class PageCache {
  private readonly pages = new Map<string, CachedPage>();

  constructor(private readonly capacity: number) {}

  get(url: string): CachedPage | undefined {
    const page = this.pages.get(url);
    if (page !== undefined) {
      // Map keeps insertion order: moving a page to the end makes the first the least used.
      this.pages.delete(url);
      this.pages.set(url, page);
    }
    return page;
  }

  set(url: string, page: CachedPage): void {
    this.pages.delete(url);
    this.pages.set(url, page);
    if (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next();
      if (oldest.done !== true) this.pages.delete(oldest.value);
    }
  }
}
