import { contentCid } from '../core/cid.js';

/** Where the unit service hands small content it has just stored (to the catalog). */
export interface ContentHandOver {
  /** Largest single content worth handing over. */
  readonly maxItemBytes: number;
  remember(cid: string, content: Uint8Array): void;
}

/**
 * Small content just stored by this process, kept briefly for the one reader that wants it at
 * once: the catalog indexes every text unit right after its ingest, and reading it back from
 * the store cost more than indexing it. Each entry is handed out once, checked against its CID
 * again; everything else reads from the store, so a fault there is still found.
 */
export class RecentContent implements ContentHandOver {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    /** Largest single content kept. */
    readonly maxItemBytes = 256 * 1024,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** Keeps `content` under `cid`, dropping the oldest entries beyond the budget. */
  remember(cid: string, content: Uint8Array): void {
    if (content.byteLength > this.maxItemBytes || this.entries.has(cid)) return;
    this.entries.set(cid, content);
    this.bytes += content.byteLength;
    for (const [oldest, held] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= held.byteLength;
    }
  }

  /** The content once, if it is held and still matches its CID; undefined otherwise. */
  take(cid: string): Uint8Array | undefined {
    const content = this.entries.get(cid);
    if (content === undefined) return undefined;
    this.entries.delete(cid);
    this.bytes -= content.byteLength;
    return contentCid(content).toString() === cid ? content : undefined;
  }
}
