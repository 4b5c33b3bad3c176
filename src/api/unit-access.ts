import { setTimeout as sleep } from 'node:timers/promises';
import type { Unit } from '../units/unit.js';
import type { UnitService } from '../units/unit-service.js';
import type { VerifiedContent } from '../storage/content-store.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { CallContext, UnitsContext } from './operation.js';
import { UnavailableError } from '../core/errors.js';

/** A unit as the content route needs it. */
export type UnitRecord = Unit & { readonly unitCid: string };

/**
 * What the byte-moving routes (uploads, content downloads) need of the units component: the
 * component itself where it runs in this process, or, in a process running `ui` alone (one
 * component per container), the same stores reached over NATS and its catalog asked over NATS.
 */
export interface UnitAccess {
  readonly service: Pick<UnitService, 'ingest'>;
  /**
   * Resolves once the catalog shows `unitCid` (recorded at `position`), or after `ms`; `call`
   * is who waits, for a catalog asked over NATS.
   */
  waitFor(unitCid: string, position: number, ms: number, call: CallContext): Promise<void>;
  /** The unit, or undefined when the catalog does not know it (asked for `call`). */
  unit(unitCid: string, call: CallContext): Promise<UnitRecord | undefined>;
  /** Whether any tier holds the content. */
  holds(contentCid: string): Promise<boolean>;
  /** The content from whichever tier holds an intact copy, verified as it is read. */
  find(contentCid: string): Promise<{ content: VerifiedContent; tier: string } | undefined>;
  /** Records a user's read (last-read times, rehydration), where the units component runs. */
  served(contentCid: string, tier: string): void;
}

/** The units component of this process as UnitAccess. */
export function localUnitAccess(units: UnitsContext): UnitAccess {
  return {
    service: units.service,
    async waitFor(_unitCid, position, ms) {
      if (ms === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        units.catalogRunner.waitFor(position),
        new Promise((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      // Not left pending: thousands of uploads would otherwise each hold a timer for seconds.
      clearTimeout(timer);
    },
    async unit(unitCid) {
      return units.catalog.get(unitCid);
    },
    holds: (cid) => units.content.has(cid),
    find: (cid) => units.storage.find(cid),
    served: (cid, tier) => units.reads.served(cid, tier),
  };
}

/** How a process without the units component asks for a unit (over NATS, for the caller). */
export type UnitLookup = (unitCid: string, call: CallContext) => Promise<UnitRecord | undefined>;

/**
 * UnitAccess for a process that runs `ui` without `units`: uploads go into the stores over this
 * process's own NATS connection through its own UnitService (the content, then `UnitIngested`,
 * exactly as the units component writes them), reads come from the tiers, and the catalog is
 * asked over NATS. Users' reads are not logged for last-read rules from such a process.
 */
export function remoteUnitAccess(
  service: UnitService,
  storage: StorageManager,
  lookup: UnitLookup,
): UnitAccess {
  return {
    service,
    async waitFor(unitCid, _position, ms, call) {
      // The catalog runs elsewhere: ask until it knows the unit, as a reader would. The unit is
      // stored either way, so a catalog that cannot be asked ends the wait, not the upload.
      for (
        const deadline = Date.now() + ms;
        Date.now() < deadline;
        await sleep(25, undefined, { ref: false })
      ) {
        const known = await lookup(unitCid, call).catch(() => 'unreachable' as const);
        if (known !== undefined) return;
      }
    },
    unit: lookup,
    holds: (cid) => storage.has(cid),
    find: (cid) => storage.find(cid),
    served: () => undefined,
  };
}

/**
 * UnitAccess for a process that runs `ui` alone under its own NATS user, which may neither write
 * events nor read the content stream: units are asked over NATS, bytes are refused with a
 * sentence until the units component moves bytes over `cim.api.>`.
 */
export function apiOnlyUnitAccess(lookup: UnitLookup): UnitAccess {
  const refuse = (): never => {
    throw new UnavailableError(
      'This ui process runs alone under its own NATS user, which may not move content: run ui together with units (cim up, or one process with both components) to upload and download.',
    );
  };
  return {
    service: { ingest: async () => refuse() },
    async waitFor() {},
    unit: lookup,
    holds: async () => refuse(),
    find: async () => refuse(),
    served: () => undefined,
  };
}
