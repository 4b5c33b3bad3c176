import { ChainVerifier } from '../../core/chain.js';
import { IntegrityError, toCimError } from '../../core/errors.js';
import type { ArchivedEvent } from '../../events/archived-history.js';
import { decodeSegment } from '../archive/archive-format.js';
import { drain } from '../tier-verify.js';
import type { StorageTier } from '../tiers/storage-tier.js';
import type { BackupManifest, ContentEntry, KvEntry, TierContent } from './backup-format.js';
import { decodeContentList, decodeKvSegment } from './backup-format.js';
import type { ChainLink } from './backup-shelf.js';
import { readObject } from './backup-shelf.js';

/** One fault found in a backup. */
export interface BackupProblem {
  /** The object (or position) it concerns. */
  readonly object: string;
  readonly detail: string;
}

/**
 * Reads a backup from its tier and trusts nothing in it: every object is verified by its CID as
 * it is read, every event by its CID, its envelope, its version and its `prev` and
 * `Cim-Prev-Position` links, positions rise without repeats, and the content a manifest lists is
 * where it says. Faults are thrown (a restore stops at the first) unless `problems` collects
 * them (a verification reports them all).
 */
export class BackupReader {
  private readonly verifier = new ChainVerifier();
  private readonly lastOfSubject = new Map<string, number>();

  constructor(
    private readonly tier: StorageTier,
    readonly chain: readonly ChainLink[],
    private readonly problems?: BackupProblem[],
  ) {}

  /** The newest manifest: the state to restore. */
  get head(): BackupManifest {
    return this.chain.at(-1)!.manifest;
  }

  private fault(object: string, detail: string): void {
    if (!this.problems)
      throw new IntegrityError(`The backup does not verify: ${object}: ${detail}`);
    this.problems.push({ object, detail });
  }

  private async guarded<T>(object: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (!this.problems) throw err;
      this.problems.push({ object, detail: toCimError(err).message });
      return undefined;
    }
  }

  /** Every event of the chain in stream order, each verified. */
  async *events(): AsyncIterable<ArchivedEvent> {
    let last = 0;
    for (const { manifest } of this.chain) {
      for (const ref of manifest.events.segments) {
        const events = await this.guarded(ref.cid, async () =>
          decodeSegment(
            await readObject(this.tier, ref.cid, 'event segment'),
            ref.cid,
            manifest.stream,
          ),
        );
        if (!events) continue;
        if (events.length !== ref.events) {
          this.fault(ref.cid, `holds ${events.length} events, the manifest says ${ref.events}`);
        }
        for (const e of events) {
          if (e.position <= last) {
            this.fault(`position ${e.position}`, `comes again after position ${last}`);
            continue;
          }
          last = e.position;
          const found = this.verifier.accept(e.position, e.subject, e.body, e.cid);
          for (const p of found)
            this.fault(`position ${p.position} ${p.subject}`, `${p.kind}: ${p.detail}`);
          const prev = this.lastOfSubject.get(e.subject) ?? 0;
          if (e.prevPosition !== prev) {
            this.fault(
              `position ${e.position} ${e.subject}`,
              `links back to position ${e.prevPosition}, but the aggregate's previous event is at ${prev}`,
            );
          }
          this.lastOfSubject.set(e.subject, e.position);
          yield e;
        }
      }
    }
    const through = this.head.events.through;
    if (last !== through) {
      this.fault('events', `end at position ${last}, the manifest says ${through}`);
    }
  }

  /** Events and aggregates verified so far. */
  get eventStats(): { events: number; aggregates: number } {
    return this.verifier.stats;
  }

  /** The names of the buckets the chain holds, in the order first backed up. */
  buckets(): string[] {
    return [...new Set(this.chain.flatMap((l) => l.manifest.buckets.map((b) => b.bucket)))];
  }

  /** Every entry of `bucket` in the chain, oldest revision first, each segment verified. */
  async *kvEntries(bucket: string): AsyncIterable<KvEntry> {
    for (const { manifest } of this.chain) {
      for (const ref of manifest.buckets.find((b) => b.bucket === bucket)?.segments ?? []) {
        const entries = await this.guarded(ref.cid, async () =>
          decodeKvSegment(await readObject(this.tier, ref.cid, 'KV segment'), ref.cid, bucket),
        );
        if (entries) yield* entries;
      }
    }
  }

  /** The objects one tier's content lists name. */
  async contentOf(content: TierContent): Promise<ContentEntry[]> {
    const out: ContentEntry[] = [];
    for (const ref of content.lists) {
      const listed = await this.guarded(ref.cid, async () =>
        decodeContentList(
          await readObject(this.tier, ref.cid, 'content list'),
          ref.cid,
          content.tier,
        ),
      );
      if (listed) out.push(...listed);
    }
    if (out.length !== content.objects && (!this.problems || this.problems.length === 0)) {
      this.fault(
        `tier ${content.tier}`,
        `lists ${out.length} objects, the manifest says ${content.objects}`,
      );
    }
    return out;
  }

  /**
   * Checks that `tier` holds every object listed for it, at its size (a tier outside the node
   * that a restore reads from as it stands); returns how many it holds.
   */
  async checkPresent(tier: StorageTier, objects: readonly ContentEntry[]): Promise<number> {
    const held = new Map<string, number>();
    for await (const entry of tier.list()) held.set(entry.cid, entry.size);
    let present = 0;
    for (const o of objects) {
      const size = held.get(o.cid);
      if (size === undefined) this.fault(o.cid, `is missing from tier ${tier.name}`);
      else if (size !== o.size)
        this.fault(o.cid, `is ${size} bytes in tier ${tier.name}, not ${o.size}`);
      else present++;
    }
    return present;
  }

  /** Reads and hashes one object the backup tier holds a copy of. */
  async checkCopy(entry: ContentEntry): Promise<boolean> {
    const ok = await this.guarded(entry.cid, async () => {
      const found = await this.tier.get(entry.cid);
      if (!found) throw new IntegrityError(`is missing from tier ${this.tier.name}`);
      const bytes = await drain(found.stream());
      if (bytes !== entry.size) throw new IntegrityError(`is ${bytes} bytes, not ${entry.size}`);
      return true;
    });
    return ok === true;
  }
}
