import { parseArchiveState } from '../../core/catalogue/archive.js';
import { IntegrityError } from '../../core/errors.js';
import { EVENTS_STREAM } from '../../core/subjects.js';
import type {
  ArchivedEvent,
  ArchivedHistory,
  EventArchiveState,
} from '../../events/archived-history.js';
import { EMPTY_ARCHIVE, EVENT_ARCHIVE_REF } from '../../events/archived-history.js';
import type { EventStore } from '../../events/event-store.js';
import type { StorageManager } from '../storage-manager.js';
import type { SegmentRef } from './archive-format.js';
import { decodeIndex, decodeSegment } from './archive-format.js';

/** Decoded segments kept in memory: walking one aggregate back usually stays in one or two. */
const SEGMENT_CACHE = 4;

/**
 * The event archive of stream `CIM_EVENTS` as a reader sees it: its state is the last event of
 * aggregate `storage.EventArchive.CIM_EVENTS`; its segments are listed by a chain of index
 * objects; every object is read from whichever tier holds it and verified by its CID.
 */
export class EventArchive implements ArchivedHistory {
  private listed: { index: string; segments: SegmentRef[] } | undefined;
  private readonly segmentCache = new Map<string, Map<number, ArchivedEvent>>();

  constructor(
    private readonly events: EventStore,
    private readonly storage: StorageManager,
  ) {}

  /** Where the archive stands, from its last recorded event. */
  async state(): Promise<EventArchiveState & { version: number }> {
    const last = await this.events.last(EVENT_ARCHIVE_REF);
    if (!last) return { ...EMPTY_ARCHIVE, version: 0 };
    const parsed = parseArchiveState(last);
    if (!parsed.ok) {
      throw new IntegrityError(
        `The event archive's last event (position ${last.position}) does not hold an archive state: ${parsed.error.message}`,
        { cause: parsed.error },
      );
    }
    return { ...parsed.data, version: last.event.version };
  }

  async purgedThrough(): Promise<number> {
    return (await this.state()).purgedThrough;
  }

  /** Every segment, oldest first, following the index chain from the newest index. */
  async segments(index?: string | null): Promise<SegmentRef[]> {
    const head = index === undefined ? (await this.state()).index : index;
    if (head === null) return [];
    if (this.listed?.index === head) return this.listed.segments;
    const runs: SegmentRef[][] = [];
    for (let cid: string | null = head; cid !== null;) {
      const bytes = await this.object(cid, 'index');
      const decoded = decodeIndex(bytes, cid);
      if (decoded.stream !== EVENTS_STREAM) {
        throw new IntegrityError(`The archive index ${cid} belongs to stream ${decoded.stream}.`);
      }
      runs.push([...decoded.segments]);
      cid = decoded.previous;
    }
    const segments = runs.reverse().flat();
    for (let i = 1; i < segments.length; i++) {
      if (segments[i]!.first <= segments[i - 1]!.last) {
        throw new IntegrityError(
          `The archive index lists overlapping segments at position ${segments[i]!.first}.`,
        );
      }
    }
    this.listed = { index: head, segments };
    return segments;
  }

  async get(position: number): Promise<ArchivedEvent | undefined> {
    const segments = await this.segments();
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segments[mid]!;
      if (position < s.first) hi = mid - 1;
      else if (position > s.last) lo = mid + 1;
      else return (await this.segment(s.cid)).get(position);
    }
    return undefined;
  }

  /** Reads each segment afresh from its tier (no cache), so a scan re-verifies every byte. */
  async *scan(after: number, through: number): AsyncIterable<ArchivedEvent> {
    for (const s of await this.segments()) {
      if (s.last <= after || s.first > through) continue;
      for (const e of await this.load(s.cid)) {
        if (e.position > after && e.position <= through) yield e;
      }
    }
  }

  private async segment(cid: string): Promise<Map<number, ArchivedEvent>> {
    const cached = this.segmentCache.get(cid);
    if (cached) {
      this.segmentCache.delete(cid);
      this.segmentCache.set(cid, cached);
      return cached;
    }
    const byPosition = new Map((await this.load(cid)).map((e) => [e.position, e]));
    this.segmentCache.set(cid, byPosition);
    for (const old of this.segmentCache.keys()) {
      if (this.segmentCache.size <= SEGMENT_CACHE) break;
      this.segmentCache.delete(old);
    }
    return byPosition;
  }

  private async load(cid: string): Promise<ArchivedEvent[]> {
    return decodeSegment(await this.object(cid, 'segment'), cid, EVENTS_STREAM);
  }

  private async object(cid: string, what: string): Promise<Uint8Array> {
    const bytes = await this.storage.readBytes(cid);
    if (!bytes) {
      throw new IntegrityError(
        `The archive ${what} ${cid} is in no storage tier: restore it into a tier (the archive cannot be read without it).`,
      );
    }
    return bytes;
  }
}
