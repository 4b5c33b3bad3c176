import type { StorageTier } from '../tiers/storage-tier.js';
import type { BackupProblem } from './backup-reader.js';
import { BackupReader } from './backup-reader.js';
import { backupTier, chooseBackup, manifestChain } from './backup-shelf.js';

/** Copies read and hashed at once. */
const CHECK_CONCURRENCY = 16;

/** The outcome of checking a backup without restoring it. */
export interface BackupVerifyReport {
  readonly ok: boolean;
  readonly manifest: string;
  /** Manifests in the chain, the full backup first. */
  readonly chain: readonly string[];
  readonly createdAt: string;
  readonly events: number;
  readonly aggregates: number;
  readonly kvEntries: number;
  /** Objects the backup tier holds copies of (each read and hashed), and their bytes. */
  readonly objects: number;
  readonly bytes: number;
  /** Objects that stayed in tiers outside the node, found there at their sizes. */
  readonly tiered: number;
  /** The first problems found (at most 100), and how many there were. */
  readonly problems: readonly BackupProblem[];
  readonly problemCount: number;
}

/**
 * Checks a backup as a restore would read it, writing nothing: every object by its CID, every
 * event and chain, every KV segment, every copied content object read and hashed, and every
 * object left in another tier present there at its size. Reports every fault found.
 */
export async function verifyBackup(
  tier: StorageTier,
  others: readonly StorageTier[],
  manifest?: string,
): Promise<BackupVerifyReport> {
  const head = await chooseBackup(backupTier(tier), manifest);
  const chain = await manifestChain(tier, head);
  const problems: BackupProblem[] = [];
  const reader = new BackupReader(tier, chain, problems);
  for await (const _ of reader.events());
  let kvEntries = 0;
  for (const bucket of reader.buckets())
    for await (const _ of reader.kvEntries(bucket)) kvEntries++;
  let objects = 0;
  let bytes = 0;
  let tiered = 0;
  for (const content of reader.head.content) {
    const listed = await reader.contentOf(content);
    if (!content.copied) {
      const other = others.find((t) => t.name === content.tier);
      if (other) tiered += await reader.checkPresent(other, listed);
      else {
        problems.push({
          object: `tier ${content.tier}`,
          detail: 'holds content of this backup, but the configuration does not name it',
        });
      }
      continue;
    }
    let next = 0;
    const check = async () => {
      while (next < listed.length) {
        const entry = listed[next++]!;
        if (await reader.checkCopy(entry)) {
          objects++;
          bytes += entry.size;
        }
      }
    };
    await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, check));
  }
  return {
    ok: problems.length === 0,
    manifest: head,
    chain: chain.map((l) => l.cid),
    createdAt: reader.head.createdAt,
    ...reader.eventStats,
    kvEntries,
    objects,
    bytes,
    tiered,
    problems: problems.slice(0, 100),
    problemCount: problems.length,
  };
}
