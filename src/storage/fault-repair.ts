import type { Logger } from 'pino';
import { ContentLost, ContentRepaired, ContentTiered } from '../core/catalogue/storage.js';
import { IntegrityError, UnavailableError, toCimError } from '../core/errors.js';
import type { EventStore } from '../events/event-store.js';
import type { ExpectedContent } from './content-inventory.js';
import { contentRef } from './storage-events.js';
import { drain, eachLimited } from './tier-verify.js';
import type { LostContent, VerifyFault, VerifyReport } from './tier-verify.js';
import type { VerifiedContent } from './content-store.js';
import type { StorageTier } from './tiers/storage-tier.js';
import type { ContentLocks } from './content-locks.js';

/** An intact copy, read and hashed, and the tier holding it. */
interface IntactCopy {
  readonly tier: StorageTier;
  readonly content: VerifiedContent;
}

/** A content with faulty copies, and the tier holding an intact one. */
interface Repairable {
  readonly cid: string;
  readonly faults: VerifyFault[];
  readonly source: StorageTier;
}

/** What settling a report's faults may touch. */
export interface RepairDeps {
  readonly tiers: readonly StorageTier[];
  readonly events: Pick<EventStore, 'append' | 'last' | 'readAggregate'>;
  readonly logger: Logger;
  /** Held for each repair, as moves hold it: a move cannot delete a copy while it is repaired. */
  readonly locks: ContentLocks;
}

/**
 * For every content a verification found missing or damaged somewhere: looks for an intact copy
 * in the other tiers (read and hashed); with `repair`, writes it over each missing or damaged
 * copy, reads that back and records `ContentRepaired`. Content no tier holds intact is lost: it
 * is logged as an error naming its units, recorded once as `ContentLost`, and listed in the
 * report. A content whose copies could not all be asked about (a tier unreachable) is not
 * called lost.
 */
export async function settleFaults(
  deps: RepairDeps,
  report: VerifyReport,
  expected: ReadonlyMap<string, ExpectedContent> | undefined,
  repair: boolean,
): Promise<VerifyReport> {
  const byCid = new Map<string, VerifyFault[]>();
  for (const fault of report.faults) {
    if (fault.cid === '') continue;
    byCid.set(fault.cid, [...(byCid.get(fault.cid) ?? []), fault]);
  }
  // Losses are found and reported first, so they are known before repairs (which take longer).
  const lost: LostContent[] = [];
  // Only where the intact copy is: holding every copy read until the repairs would hold up to
  // 8 MiB per faulty content in memory.
  const repairable: Repairable[] = [];
  await eachLimited(byCid, async ([cid, faults]) => {
    const source = await intactCopy(deps.tiers, cid, new Set(faults.map((f) => f.tier)));
    if (source === 'unknown') return;
    if (source !== undefined) {
      repairable.push({ cid, faults, source: source.tier });
      return;
    }
    if (faults.some((f) => f.kind === 'unreadable')) return;
    const entry = expected?.get(cid);
    const gone: LostContent = {
      cid,
      size: entry?.size ?? 0,
      tiers: faults.map((f) => f.tier),
      names: entry?.names ?? [],
      units: entry?.units ?? 0,
    };
    lost.push(gone);
    await recordLoss(deps, gone);
  });
  if (repair) await repairAll(deps, repairable);
  return { ...report, lost };
}

/**
 * Replaces each faulty copy from its intact source. A tier that refuses a repair as unavailable
 * (its server unreachable, or stalled on a damaged store) gets no more repairs in this run: the
 * next scrub tries again.
 */
async function repairAll(deps: RepairDeps, repairable: readonly Repairable[]): Promise<void> {
  const refused = new Set<string>();
  const jobs = repairable.flatMap(({ cid, faults, source }) =>
    faults.filter((f) => f.kind !== 'unreadable').map((fault) => ({ cid, fault, source })),
  );
  await eachLimited(jobs, async ({ cid, fault, source }) => {
    const target = deps.tiers.find((t) => t.name === fault.tier);
    if (!target || refused.has(target.name) || fault.kind === 'unreadable') return;
    const from = source.name;
    const kind = fault.kind;
    try {
      await deps.locks.with(cid, async () => {
        if (!(await stillExpectedIn(deps, cid, target.name))) return;
        // Read (and verified) again: the copy may have gone since it was found intact.
        const content = await source.get(cid);
        if (!content) throw new IntegrityError(`Tier ${from} no longer holds ${cid}.`);
        await rewrite(target, cid, source, content, kind === 'damaged');
        fault.repairedFrom = from;
        const data = { cid, size: content.size, tier: target.name, from, fault: kind };
        await deps.events.append(contentRef(cid), [ContentRepaired.draft(data)], {
          expectedVersion: 'any',
          actor: 'storage:scrub',
        });
        deps.logger.warn(
          data,
          `content ${cid} was ${kind} in tier ${target.name}: repaired from tier ${from}`,
        );
      });
    } catch (err) {
      const message = toCimError(err).message;
      if (err instanceof UnavailableError) {
        refused.add(target.name);
        deps.logger.error(
          { tier: target.name, err: message },
          `tier ${target.name} cannot take repairs now; the next scrub tries again`,
        );
      } else {
        deps.logger.error(
          { cid, tier: target.name, err: message },
          `content ${cid} could not be repaired in tier ${target.name}`,
        );
      }
    }
  });
}

/**
 * Whether the content's history still places a copy in `tier`, which the verification expected
 * when it took its inventory: a lifecycle policy running meanwhile (a node resuming its policies
 * after an unclean stop runs them beside the reconciliation) may have moved it away since, on
 * purpose, even through several tiers (hot → warm → cold), and writing it back would leave a copy
 * no event accounts for. The moves are replayed from that expectation, so a later move back into
 * `tier` counts. Asked with the content's lock held, so no move of it is under way.
 */
async function stillExpectedIn(deps: RepairDeps, cid: string, tier: string): Promise<boolean> {
  const placed = new Set([tier]);
  for (const recorded of await deps.events.readAggregate(contentRef(cid))) {
    if (!ContentTiered.is(recorded)) continue;
    const move = ContentTiered.safeParse(recorded);
    if (!move.ok) continue;
    placed.add(move.data.to);
    if (!move.data.kept) placed.delete(move.data.from);
  }
  return placed.has(tier);
}

/**
 * The first intact copy of `cid` outside `faulty` (read and hashed), undefined when every tier
 * answered without one, 'unknown' when some tier could not be asked.
 */
async function intactCopy(
  tiers: readonly StorageTier[],
  cid: string,
  faulty: ReadonlySet<string>,
): Promise<IntactCopy | undefined | 'unknown'> {
  let unknown = false;
  for (const tier of tiers) {
    if (faulty.has(tier.name)) continue;
    try {
      const content = await tier.get(cid);
      if (!content) continue;
      await drain(content.stream());
      return { tier, content };
    } catch (err) {
      if (!(err instanceof IntegrityError)) unknown = true;
    }
  }
  return unknown ? 'unknown' : undefined;
}

/** Writes the intact copy into `target` (first removing a damaged one there) and reads it back. */
async function rewrite(
  target: StorageTier,
  cid: string,
  from: StorageTier,
  content: VerifiedContent,
  damaged: boolean,
): Promise<void> {
  if (damaged) await target.delete(cid);
  await target.put(cid, content.size, () => content.stream(), { sourceVerified: true });
  const back = await target.get(cid);
  if (!back || (await drain(back.stream())) !== content.size) {
    throw new IntegrityError(
      `Tier ${target.name} does not give back ${cid} copied from ${from.name}.`,
    );
  }
}

/** Logs the loss naming its units and records it, unless the last event about it says so. */
async function recordLoss(deps: RepairDeps, gone: LostContent): Promise<void> {
  const units = gone.names.join(', ') + (gone.units > gone.names.length ? ', …' : '');
  deps.logger.error(
    { cid: gone.cid, tiers: gone.tiers, names: gone.names, units: gone.units },
    `content LOST: no tier holds an intact copy of ${gone.cid} (${gone.units} unit(s): ${units})`,
  );
  const last = await deps.events.last(contentRef(gone.cid));
  if (last && ContentLost.is(last)) return;
  await deps.events.append(
    contentRef(gone.cid),
    [ContentLost.draft({ ...gone, tiers: [...gone.tiers], names: [...gone.names] })],
    {
      expectedVersion: 'any',
      actor: 'storage:scrub',
    },
  );
}
