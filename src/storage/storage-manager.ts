import type { Logger } from 'pino';
import { ContentTiered } from '../core/catalogue/storage.js';
import type { ContentTieredData } from '../core/catalogue/storage.js';
import { isContentCid } from '../core/cid.js';
import type { CimError } from '../core/errors.js';
import { IntegrityError, InvalidInputError, toCimError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import { VERIFY_BEFORE_SERVING_BYTES } from './content-store.js';
import type {
  ByteSource,
  ContentStore,
  GetOptions,
  PutOptions,
  PutResult,
  VerifiedContent,
} from './content-store.js';
import { contentRef } from './storage-events.js';
import type { StorageTier } from './tiers/storage-tier.js';
import { drain, verifyTiers } from './tier-verify.js';
import type { VerifyOptions, VerifyReport } from './tier-verify.js';
import { settleFaults } from './fault-repair.js';
import { ContentLocks } from './content-locks.js';

/** A tier as `cim storage status` shows it. */
export interface TierStatus {
  readonly name: string;
  /** Objects and bytes held, or null when the tier could not be listed (see `error`). */
  readonly objects: number | null;
  readonly bytes: number | null;
  /**
   * Units whose content the tier holds (a unit whose content is in two tiers counts in both),
   * or null when unknown.
   */
  readonly units: number | null;
  /** Reads that found a missing or corrupted copy here and fell back (since start). */
  readonly readFaults: number;
  /** One sentence when the tier cannot be used. */
  readonly error?: string;
}

/** The outcome of moving one content. */
export type MoveOutcome =
  | {
      readonly status: 'moved';
      readonly cid: string;
      readonly from: string;
      readonly to: string;
      readonly size: number;
      readonly kept: boolean;
    }
  | { readonly status: 'already-there'; readonly cid: string; readonly to: string }
  | { readonly status: 'not-found'; readonly cid: string };

/**
 * The Storage Manager: content in tiers (hot first, then the configured ones in order), moved
 * between them with a verified copy before anything is freed, and read from whichever tier
 * holds it. The CID never changes; each move is a `ContentTiered` event on
 * `storage.Content.<cid>`. As a {@link ContentStore} it is what the node's components read and
 * write content through: writes go to hot, reads find the content in whichever tier holds an
 * intact copy, so a unit reads the same whether its content is hot, warm or cold.
 */
export class StorageManager implements ContentStore {
  private readonly faults = new Map<string, number>();
  /** Moves and repairs of one content take turns (see {@link ContentLocks}). */
  private readonly locks = new ContentLocks();
  /** Bytes moved into each tier since start. */
  readonly movedBytes = new Map<string, number>();
  /**
   * Each tier's figures as last listed by {@link status}, kept current by moves since: what
   * metrics report without listing a bucket on every scrape.
   */
  readonly lastStatus = new Map<string, TierStatus>();
  /** When {@link status} last listed every tier, and the listing under way, if any. */
  private listedAt = 0;
  private listing: Promise<TierStatus[]> | undefined;

  /**
   * `tiers` in order, hot first: content is written to the first, and with `safetyTier`, copied
   * to that tier too before the write returns.
   */
  constructor(
    readonly tiers: readonly [StorageTier, ...StorageTier[]],
    private readonly events: EventStore,
    private readonly logger: Logger,
    readonly safetyTier?: string,
  ) {}

  /** The tier named `name`, or undefined. */
  tier(name: string): StorageTier | undefined {
    return this.tiers.find((t) => t.name === name);
  }

  /** Read faults per tier since start. */
  readFaults(tier: string): number {
    return this.faults.get(tier) ?? 0;
  }

  private requireTier(name: string): StorageTier {
    const tier = this.tier(name);
    if (!tier) {
      throw new InvalidInputError(
        `There is no tier ${JSON.stringify(name)}: choose one of ${this.tiers.map((t) => t.name).join(', ')}.`,
      );
    }
    return tier;
  }

  /** True when some tier holds `cid`: asked in tier order, stopping at the first. */
  async has(cid: string): Promise<boolean> {
    for (const tier of this.tiers) if (await tier.has(cid).catch(() => false)) return true;
    return false;
  }

  /** Names of the tiers holding `cid`, in tier order. */
  async locate(cid: string): Promise<string[]> {
    assertCid(cid);
    const held = await Promise.all(this.tiers.map((t) => t.has(cid).catch(() => false)));
    return this.tiers.filter((_, i) => held[i]).map((t) => t.name);
  }

  /**
   * Writes the content to the hot tier (see {@link ContentStore.put}); with a safety tier, new
   * content is then read back from hot (hashed) and written there, so it is acknowledged only
   * once two tiers hold it.
   */
  async put(
    cid: string,
    size: number,
    source: ByteSource,
    options?: PutOptions,
  ): Promise<PutResult> {
    const result = await this.tiers[0].put(cid, size, source, options);
    if (result.stored && this.safetyTier !== undefined) await this.safetyCopy(cid);
    return result;
  }

  /** Copies content from hot to the safety tier, verified there. */
  private async safetyCopy(cid: string): Promise<void> {
    const target = this.requireTier(this.safetyTier!);
    const copy = await this.tiers[0].get(cid, { streamed: true });
    if (!copy)
      throw new IntegrityError(`Tier ${this.tiers[0].name} does not show ${cid} just written.`);
    const written = await target.put(cid, copy.size, () => copy.stream(), { sourceVerified: true });
    if (written.stored && written.verifiedBy === undefined) {
      await this.readBack(target, cid, copy.size);
    }
  }

  /**
   * The content, verified before any byte of it is served, from the first tier in order that
   * holds an intact copy: content over {@link VERIFY_BEFORE_SERVING_BYTES} is read through once
   * before this returns, and its stream verifies the second read again. A tier whose copy is
   * corrupted or unreadable is skipped, the fault logged and counted; when no tier has an intact
   * copy, the first fault is thrown. Undefined when no tier holds the content. With `streamed`,
   * the first tier that holds it serves it unread, verified as it streams (see GetOptions).
   */
  async get(cid: string, options: GetOptions = {}): Promise<VerifiedContent | undefined> {
    return (await this.find(cid, options))?.content;
  }

  /** Like {@link get}, also naming the tier whose copy is served. */
  async find(
    cid: string,
    options: GetOptions = {},
  ): Promise<{ content: VerifiedContent; tier: string } | undefined> {
    let firstFault: CimError | undefined;
    for (const tier of this.tiers) {
      try {
        const found = await tier.get(cid, options);
        if (found && !options.streamed && found.size > VERIFY_BEFORE_SERVING_BYTES) {
          await drain(found.stream());
        }
        if (found) return { content: found, tier: tier.name };
      } catch (err) {
        const fault = toCimError(err);
        firstFault ??= fault;
        this.faults.set(tier.name, this.readFaults(tier.name) + 1);
        this.logger.warn(
          { tier: tier.name, cid, err: fault.message },
          'a tier could not give intact content; trying the next',
        );
      }
    }
    if (firstFault) throw firstFault;
    return undefined;
  }

  /**
   * Moves (or with `keep`, copies) content to tier `to`: from `from`, else from the first other
   * tier holding it. The copy is read back and hashed in `to`, then the move is recorded as
   * `ContentTiered`, and only then is the source copy deleted. Every step is safe to repeat, so
   * a move cut short (crash, unreachable tier) is finished by running it again. `actor` is who
   * asked for a move by hand (a policy's moves record the policy).
   */
  async move(
    cid: string,
    to: string,
    options: { keep?: boolean; from?: string; policy?: string; actor?: string } = {},
  ): Promise<MoveOutcome> {
    assertCid(cid);
    return this.locks.with(cid, () => this.moveNow(cid, to, options));
  }

  private async moveNow(
    cid: string,
    to: string,
    options: { keep?: boolean; from?: string; policy?: string; actor?: string },
  ): Promise<MoveOutcome> {
    const target = this.requireTier(to);
    const candidates =
      options.from !== undefined
        ? [this.requireTier(options.from)]
        : this.tiers.filter((t) => t !== target);
    // A get answers "not here" as a has would, and saves asking twice where the content is.
    // Streamed: the target keeps nothing unless the stream ends cleanly, verified.
    let found: { source: StorageTier; object: VerifiedContent } | undefined;
    for (const tier of candidates) {
      if (tier === target) continue;
      const object = await tier.get(cid, { streamed: true });
      if (object) {
        found = { source: tier, object };
        break;
      }
    }
    if (!found) {
      return (await target.has(cid))
        ? { status: 'already-there', cid, to }
        : { status: 'not-found', cid };
    }
    const { source, object } = found;
    const kept = options.keep === true;
    // The source's stream verifies itself: the target need not hash the bytes a second time.
    // Content still in its source was not moved yet (or the move was cut short): the target is
    // written without asking first. A copy is asked for first, as it is often there already.
    const written = await target.put(cid, object.size, () => object.stream(), {
      sourceVerified: true,
      skipLookup: !kept,
    });
    if (written.verifiedBy === undefined) await this.readBack(target, cid, object.size);
    const data: ContentTieredData = {
      cid,
      from: source.name,
      to,
      size: object.size,
      kept,
      verifiedBy: written.verifiedBy ?? 'read-back',
      policy: options.policy ?? null,
    };
    await this.events.append(contentRef(cid), [ContentTiered.draft(data)], {
      expectedVersion: 'any',
      actor: options.policy ? `policy:${options.policy}` : (options.actor ?? 'storage'),
    });
    if (!kept) await source.delete(cid);
    this.movedBytes.set(to, (this.movedBytes.get(to) ?? 0) + object.size);
    this.adjust(to, 1, object.size);
    if (!kept) this.adjust(source.name, -1, -object.size);
    return { status: 'moved', cid, from: source.name, to, size: object.size, kept };
  }

  /**
   * Writes `bytes` as `cid` into tier `to` and verifies the copy there (the tier's ETag, else a
   * read-back) before returning; a tier that already held it is trusted as it is. True when it
   * was written, false when the tier held it already.
   */
  async putVerified(to: string, cid: string, bytes: Uint8Array): Promise<boolean> {
    const target = this.requireTier(to);
    const written = await target.put(cid, bytes.length, async function* () {
      yield bytes;
    });
    if (written.stored && written.verifiedBy === undefined) {
      await this.readBack(target, cid, bytes.length);
    }
    if (written.stored) this.adjust(to, 1, bytes.length);
    return written.stored;
  }

  /**
   * Copies content from tier `from` into tier `to` and verifies the copy where it landed (the
   * tier's ETag, else a read-back), recording nothing: a copy that is not a placement of the
   * content, such as a backup's. Undefined when `from` does not hold the content (any more).
   */
  async copyVerified(
    cid: string,
    from: string,
    to: string,
  ): Promise<{ readonly size: number; readonly stored: boolean } | undefined> {
    const source = this.requireTier(from);
    const target = this.requireTier(to);
    // Content up to 8 MiB is read whole and verified first (one pass over the source), larger
    // content verifies itself as it streams; the caller listed the target and found no copy.
    const object = await source.get(cid);
    if (!object) return undefined;
    const written = await target.put(cid, object.size, () => object.stream(), {
      sourceVerified: true,
      skipLookup: true,
    });
    if (written.stored && written.verifiedBy === undefined) {
      await this.readBack(target, cid, object.size);
    }
    if (written.stored) this.adjust(to, 1, object.size);
    return { size: object.size, stored: written.stored };
  }

  /** The whole content, verified, from the first tier with an intact copy (see {@link get}). */
  async readBytes(cid: string): Promise<Uint8Array | undefined> {
    const found = await this.get(cid);
    if (!found) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of found.stream()) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Reads the copy just written and hashes it; a bad copy is deleted and the move refused. */
  private async readBack(tier: StorageTier, cid: string, size: number): Promise<void> {
    try {
      const back = await tier.get(cid);
      if (!back) throw new IntegrityError(`Tier ${tier.name} does not show ${cid} just written.`);
      const bytes = await drain(back.stream());
      if (bytes !== size) {
        throw new IntegrityError(
          `Tier ${tier.name} gave back ${bytes} of the ${size} bytes of ${cid} just written.`,
        );
      }
    } catch (err) {
      if (err instanceof IntegrityError) await tier.delete(cid).catch(() => undefined);
      throw err;
    }
  }

  private adjust(tier: string, objects: number, bytes: number): void {
    const last = this.lastStatus.get(tier);
    if (last?.objects == null || last.bytes === null) return;
    this.lastStatus.set(tier, {
      ...last,
      objects: last.objects + objects,
      bytes: last.bytes + bytes,
    });
  }

  /**
   * Objects, bytes and units per tier, each tier's fault as a sentence instead of its figures.
   * `unitsWith` says how many units have a given content (the catalog knows).
   */
  async status(unitsWith?: (cid: string) => number): Promise<TierStatus[]> {
    const rows = await Promise.all(
      this.tiers.map(async (tier): Promise<TierStatus> => {
        const readFaults = this.readFaults(tier.name);
        try {
          await tier.check();
          let objects = 0;
          let bytes = 0;
          let units = 0;
          for await (const entry of tier.list()) {
            objects++;
            bytes += entry.size;
            units += unitsWith?.(entry.cid) ?? 0;
          }
          return { name: tier.name, objects, bytes, units: unitsWith ? units : null, readFaults };
        } catch (err) {
          return {
            name: tier.name,
            objects: null,
            units: null,
            bytes: null,
            readFaults,
            error: toCimError(err).message,
          };
        }
      }),
    );
    for (const row of rows) this.lastStatus.set(row.name, row);
    this.listedAt = Date.now();
    return rows;
  }

  /**
   * {@link status}, listed again only when the last listing is older than `maxAgeMs`; callers
   * at the same time share one listing. For views that refresh often: listing a tier of
   * 100,000 objects takes about a second.
   */
  async recentStatus(maxAgeMs: number, unitsWith?: (cid: string) => number): Promise<TierStatus[]> {
    const fresh = Date.now() - this.listedAt <= maxAgeMs;
    if (fresh && this.tiers.every((t) => this.lastStatus.has(t.name))) {
      return this.tiers.map((t) => ({
        ...this.lastStatus.get(t.name)!,
        readFaults: this.readFaults(t.name),
      }));
    }
    this.listing ??= this.status(unitsWith).finally(() => (this.listing = undefined));
    return this.listing;
  }

  /**
   * Verifies one tier (or all; see {@link verifyTiers}): every object listed and every copy the
   * history places there, reporting each one that is missing, unreadable or corrupted, and each
   * content no tier holds intact as lost; with `repair`, a faulty copy is replaced from an intact
   * one in another tier.
   */
  async verify(
    tierName?: string,
    options: VerifyOptions & { repair?: boolean } = {},
  ): Promise<VerifyReport> {
    const tiers = tierName === undefined ? this.tiers : [this.requireTier(tierName)];
    const report = await verifyTiers(tiers, options);
    return settleFaults(
      { tiers: this.tiers, events: this.events, logger: this.logger, locks: this.locks },
      report,
      options.expected,
      options.repair ?? false,
    );
  }

  /** Closes every tier. */
  async close(): Promise<void> {
    await Promise.all(this.tiers.map((t) => t.close()));
  }
}

function assertCid(cid: string): void {
  if (!isContentCid(cid)) {
    throw new InvalidInputError(
      `${JSON.stringify(cid)} is not a content CID (CIDv1, raw, sha2-256, bafkrei…): pass the unit's contentCid.`,
    );
  }
}
