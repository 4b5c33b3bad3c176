import { ContentTiered } from '../core/catalogue/storage.js';
import type { EventStore } from '../events/event-store.js';
import { HOT_TIER } from './tiers/jetstream-tier.js';
import { CONTENT_AGGREGATE, STORAGE_DOMAIN } from './storage-events.js';

/** Names kept per content for reports: enough to find the units, not a whole catalog. */
const NAMES_KEPT = 10;
/** Catalog rows and events read per page. */
const PAGE = 1000;

/** One content the history says is stored: where, and which units name it. */
export interface ExpectedContent {
  readonly cid: string;
  readonly size: number;
  /** The tiers that should hold a copy, in no particular order. */
  readonly tiers: Set<string>;
  /** Names of the units whose content it is (the first few). */
  readonly names: string[];
  /** How many units (all versions) name it. */
  units: number;
}

/** What the inventory needs of a unit (a catalog row has it). */
export interface InventoryUnit {
  readonly content: string;
  readonly size: number;
  readonly name: string;
  /** Stream position of the unit's event: pages continue after it. */
  readonly position: number;
}

/**
 * Where the inventory reads units from: the catalog, a projection of the units' events (storage
 * sits below the knowledge layer, so it names only the fields it reads).
 */
export interface UnitSource {
  scan(afterPosition: number, limit: number): InventoryUnit[];
}

/**
 * What the history says is stored: every unit's content (from the catalog, caught up by the
 * caller), placed in the hot tier where it was ingested, then moved by every `ContentTiered`
 * event; with a safety copy, content placed in hot is also expected in `safetyTier`.
 */
export async function expectedContent(
  units: UnitSource,
  events: Pick<EventStore, 'readAll'>,
  safetyTier: string | undefined,
): Promise<Map<string, ExpectedContent>> {
  const expected = new Map<string, ExpectedContent>();
  for (let after = 0; ;) {
    const page = units.scan(after, PAGE);
    for (const unit of page) {
      let entry = expected.get(unit.content);
      if (!entry) {
        entry = {
          cid: unit.content,
          size: unit.size,
          tiers: new Set([HOT_TIER]),
          names: [],
          units: 0,
        };
        expected.set(unit.content, entry);
      }
      entry.units++;
      if (entry.names.length < NAMES_KEPT) entry.names.push(unit.name);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.position;
  }
  const filter = { domain: STORAGE_DOMAIN, aggregate: CONTENT_AGGREGATE };
  for (let after = 0; ;) {
    const page = await events.readAll({ after, filter, limit: PAGE });
    for (const recorded of page) {
      if (!ContentTiered.is(recorded)) continue;
      const move = ContentTiered.parse(recorded);
      const entry = expected.get(move.cid);
      if (!entry) continue;
      entry.tiers.add(move.to);
      if (!move.kept) entry.tiers.delete(move.from);
    }
    if (page.length === 0) break;
    after = page[page.length - 1]!.position;
  }
  if (safetyTier !== undefined) {
    for (const entry of expected.values()) {
      if (entry.tiers.has(HOT_TIER)) entry.tiers.add(safetyTier);
    }
  }
  return expected;
}
