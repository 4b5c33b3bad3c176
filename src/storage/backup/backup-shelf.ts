import { isContentCid } from '../../core/cid.js';
import { IntegrityError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { StorageTier, TierRefs } from '../tiers/storage-tier.js';
import { refsOf } from '../tiers/storage-tier.js';
import type { BackupManifest } from './backup-format.js';
import { decodeManifest } from './backup-format.js';

/** Where a tier names its backups: `refs/backups/<createdAt>_<manifest CID>`. */
export const BACKUPS_PREFIX = 'backups/';

/** One backup a tier holds, as its name says. */
export interface BackupListing {
  readonly name: string;
  readonly createdAt: string;
  readonly manifest: string;
}

/** The name a backup is found by. */
export function backupRefName(createdAt: string, manifest: string): string {
  return `${BACKUPS_PREFIX}${createdAt}_${manifest}`;
}

/** The tier, when it can hold backups (it keeps named records); else a sentence saying why not. */
export function backupTier(tier: StorageTier): StorageTier & TierRefs {
  const refs = refsOf(tier);
  if (!refs) {
    throw new InvalidInputError(
      `Tier ${tier.name} cannot hold backups: back up to an S3 or folder tier (storage.tiers).`,
    );
  }
  return refs;
}

/** Every backup the tier names, oldest first. */
export async function listBackups(tier: StorageTier & TierRefs): Promise<BackupListing[]> {
  const out: BackupListing[] = [];
  for (const name of await tier.listRefs(BACKUPS_PREFIX)) {
    const tail = name.slice(BACKUPS_PREFIX.length);
    const cut = tail.lastIndexOf('_');
    const manifest = tail.slice(cut + 1);
    if (cut <= 0 || !isContentCid(manifest)) continue;
    out.push({ name, createdAt: tail.slice(0, cut), manifest });
  }
  return out;
}

/** The manifest to restore: the one named, else the newest the tier holds. */
export async function chooseBackup(
  tier: StorageTier & TierRefs,
  manifest?: string,
): Promise<string> {
  if (manifest !== undefined) {
    if (!isContentCid(manifest)) {
      throw new InvalidInputError(`${JSON.stringify(manifest)} is not a manifest CID (bafkrei…).`);
    }
    return manifest;
  }
  const newest = (await listBackups(tier)).at(-1);
  if (!newest)
    throw new NotFoundError(`Tier ${tier.name} holds no backup (refs/backups/ is empty).`);
  return newest.manifest;
}

/** The whole object `cid` from `tier`, verified by its CID; missing is an IntegrityError. */
export async function readObject(
  tier: StorageTier,
  cid: string,
  what: string,
): Promise<Uint8Array> {
  const found = await tier.get(cid);
  if (!found) {
    throw new IntegrityError(`The backup's ${what} ${cid} is missing from tier ${tier.name}.`);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of found.stream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** One manifest of a chain, with its CID. */
export interface ChainLink {
  readonly cid: string;
  readonly manifest: BackupManifest;
}

/**
 * The manifests from the full backup to `head`, oldest first, each verified by its CID and
 * checked to continue the one before: events and every bucket start where the previous ended.
 */
export async function manifestChain(tier: StorageTier, head: string): Promise<ChainLink[]> {
  const chain: ChainLink[] = [];
  const seen = new Set<string>();
  for (let cid: string | null = head; cid !== null;) {
    if (seen.has(cid)) throw new IntegrityError(`The backup manifests loop at ${cid}.`);
    seen.add(cid);
    const manifest = decodeManifest(await readObject(tier, cid, 'manifest'), cid);
    chain.push({ cid, manifest });
    cid = manifest.previous;
  }
  chain.reverse();
  let through = 0;
  const buckets = new Map<string, number>();
  for (const { cid, manifest } of chain) {
    if (manifest.events.after !== through) {
      throw new IntegrityError(
        `The backup manifest ${cid} holds events after position ${manifest.events.after}, but the backups before it end at ${through}.`,
      );
    }
    through = manifest.events.through;
    for (const b of manifest.buckets) {
      const before = buckets.get(b.bucket) ?? 0;
      if (b.after !== before) {
        throw new IntegrityError(
          `The backup manifest ${cid} holds bucket ${b.bucket} after revision ${b.after}, but the backups before it end at ${before}.`,
        );
      }
      buckets.set(b.bucket, b.through);
    }
  }
  return chain;
}
