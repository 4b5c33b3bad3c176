import { createReadStream } from 'node:fs';
import { link, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isContentCid } from '../../core/cid.js';
import { InvalidConfigError } from '../../core/errors.js';
import { WriteHash, expectedDigest, verifiedObject } from './content-hash.js';
import type {
  ByteSource,
  GetOptions,
  PutOptions,
  PutResult,
  VerifiedContent,
} from '../content-store.js';
import { assertRefName } from './storage-tier.js';
import type { StorageTier, TierEntry, TierRefs, TierStat } from './storage-tier.js';

/** Options for {@link FolderTier}. */
export interface FolderTierConfig {
  readonly name: string;
  /** The tier's folder; `content/` and `tmp/` are created inside it. */
  readonly root: string;
}

/** Every content CID starts with this; the two characters after it spread objects over folders. */
const CID_PREFIX = 'bafkrei';
/** A temporary file older than this was left by a crashed write and may be removed. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A tier in a local folder, for the embedded default and air-gapped archives. Layout:
 * `<root>/content/<2 chars after 'bafkrei'>/<cid>`, each file exactly the content's bytes (so
 * `sha256sum` of a file is the CID's digest). A put writes `<root>/tmp/<cid>.<random>`, fsyncs it,
 * and only then links it under its final name, so a crash never leaves a half-written object
 * there; leftovers in `tmp/` are removed by {@link FolderTier.open} once they are an hour old.
 */
export class FolderTier implements StorageTier, TierRefs {
  private constructor(
    readonly name: string,
    private readonly root: string,
  ) {}

  /** Creates the folders if needed and clears stale temporary files. */
  static async open(config: FolderTierConfig): Promise<FolderTier> {
    const tier = new FolderTier(config.name, config.root);
    await mkdir(join(config.root, 'content'), { recursive: true });
    await mkdir(tier.tmpDir, { recursive: true });
    const now = Date.now();
    for (const file of await readdir(tier.tmpDir)) {
      const path = join(tier.tmpDir, file);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
    return tier;
  }

  private get tmpDir(): string {
    return join(this.root, 'tmp');
  }

  /** The file an object lives in; validates the CID first. */
  private pathOf(cid: string): string {
    expectedDigest(cid);
    return join(this.root, 'content', cid.slice(CID_PREFIX.length, CID_PREFIX.length + 2), cid);
  }

  async check(): Promise<void> {
    const probe = join(this.tmpDir, `check.${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(probe, 'wx');
      await handle.close();
      await unlink(probe);
    } catch (err) {
      throw new InvalidConfigError(
        `Tier ${this.name} cannot write to its folder ${this.root} (${(err as Error).message}): create it or give the node write access.`,
        { cause: err },
      );
    }
  }

  async put(
    cid: string,
    size: number,
    source: ByteSource,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const final = this.pathOf(cid);
    if (await this.has(cid)) return { stored: false };
    const temp = join(this.tmpDir, `${cid}.${randomBytes(6).toString('hex')}`);
    const hash = new WriteHash(this.name, cid, size, options);
    const handle = await open(temp, 'wx');
    try {
      try {
        for await (const chunk of source()) {
          hash.update(chunk);
          await handle.write(chunk);
        }
        hash.verify();
        // The bytes must be on disk before the name points at them, or a power cut could leave
        // a complete-looking object full of zeros.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(join(final, '..'), { recursive: true });
      // link, unlike rename, fails when the name is taken: a concurrent writer of the same
      // content wins and this one reports the content as already held.
      try {
        await link(temp, final);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { stored: false };
        throw err;
      }
      await syncDir(join(final, '..'));
      return { stored: true };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<VerifiedContent | undefined> {
    const path = this.pathOf(cid);
    const found = await this.stat(cid);
    if (found === undefined) return undefined;
    return verifiedObject(
      this.name,
      cid,
      found.size,
      () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
      options,
    );
  }

  async has(cid: string): Promise<boolean> {
    return (await this.stat(cid)) !== undefined;
  }

  async stat(cid: string): Promise<TierStat | undefined> {
    const info = await stat(this.pathOf(cid)).catch(ignoreMissing);
    return info === undefined ? undefined : { size: info.size };
  }

  async delete(cid: string): Promise<void> {
    await rm(this.pathOf(cid), { force: true });
  }

  async *list(): AsyncIterable<TierEntry> {
    const content = join(this.root, 'content');
    for (const shard of await readdir(content)) {
      const files = await readdir(join(content, shard)).catch(ignoreMissing);
      for (const cid of files ?? []) {
        if (!isContentCid(cid)) continue;
        const info = await stat(join(content, shard, cid)).catch(ignoreMissing);
        if (info?.isFile()) yield { cid, size: info.size };
      }
    }
  }

  async putRef(name: string, text: string): Promise<void> {
    assertRefName(name);
    const path = join(this.root, 'refs', name);
    await mkdir(dirname(path), { recursive: true });
    const temp = join(this.tmpDir, `ref.${randomBytes(6).toString('hex')}`);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await syncDir(dirname(path));
  }

  async getRef(name: string): Promise<string | undefined> {
    assertRefName(name);
    return readFile(join(this.root, 'refs', name), 'utf8').catch(ignoreMissing);
  }

  async listRefs(prefix: string): Promise<string[]> {
    const folder = prefix.replace(/\/$/, '');
    assertRefName(folder);
    const files = await readdir(join(this.root, 'refs', folder)).catch(ignoreMissing);
    return (files ?? []).map((file) => `${folder}/${file}`).sort();
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}

/** Makes a new directory entry durable (a rename or link is only safe once its folder is synced). */
async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Turns "no such file" into undefined; any other failure still throws. */
function ignoreMissing(err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
}
