import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { TierConfig } from '../../core/config.js';
import { InvalidConfigError } from '../../core/errors.js';
import { FolderTier } from './folder-tier.js';
import { S3Tier } from './s3-tier.js';
import type { StorageTier } from './storage-tier.js';

type Env = Readonly<Record<string, string | undefined>>;
type S3Config = Extract<TierConfig, { kind: 's3' }>;

/** The environment variable a tier's key is read from when no file is named. */
export const credentialEnv = (tier: string, key: 'ACCESS_KEY_ID' | 'SECRET_ACCESS_KEY') =>
  `CIM_TIER_${tier.toUpperCase().replace(/-/g, '_')}_${key}`;

/** One key of an S3 tier: from its file (systemd credentials folder first) or its variable. */
function readKey(
  tier: string,
  what: 'access key id' | 'secret access key',
  file: string | undefined,
  envName: string,
  env: Env,
): string {
  if (file !== undefined) {
    const folder = env['CREDENTIALS_DIRECTORY'];
    const path = isAbsolute(file) || folder === undefined ? file : join(folder, file);
    try {
      const value = readFileSync(path, 'utf8').trim();
      if (value !== '') return value;
    } catch (err) {
      throw new InvalidConfigError(
        `The ${what} file ${path} of tier ${tier} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): create it or fix the tier's ${what === 'access key id' ? 'accessKeyIdFile' : 'secretAccessKeyFile'}.`,
        { cause: err },
      );
    }
    throw new InvalidConfigError(`The ${what} file ${path} of tier ${tier} is empty.`);
  }
  const value = env[envName];
  if (value === undefined || value === '') {
    throw new InvalidConfigError(
      `Tier ${tier} has no ${what}: set ${envName} or name a file in the tier's config (credentials are never read from the config file itself).`,
    );
  }
  return value;
}

function s3Tier(name: string, config: S3Config, env: Env): S3Tier {
  return new S3Tier({
    name,
    endpoint: config.endpoint,
    bucket: config.bucket,
    prefix: config.prefix,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: readKey(
        name,
        'access key id',
        config.accessKeyIdFile,
        config.accessKeyIdEnv ?? credentialEnv(name, 'ACCESS_KEY_ID'),
        env,
      ),
      secretAccessKey: readKey(
        name,
        'secret access key',
        config.secretAccessKeyFile,
        config.secretAccessKeyEnv ?? credentialEnv(name, 'SECRET_ACCESS_KEY'),
        env,
      ),
    },
  });
}

/**
 * Opens the configured tiers below hot, in configuration order. Missing credentials are an
 * InvalidConfigError naming the tier; whether a tier is reachable is its `check()`'s business.
 */
export async function openTiers(
  tiers: Readonly<Record<string, TierConfig>>,
  env: Env = process.env,
): Promise<StorageTier[]> {
  const opened: StorageTier[] = [];
  try {
    for (const [name, config] of Object.entries(tiers)) {
      opened.push(
        config.kind === 's3'
          ? s3Tier(name, config, env)
          : await FolderTier.open({ name, root: config.path }),
      );
    }
  } catch (err) {
    await Promise.all(opened.map((t) => t.close()));
    throw err;
  }
  return opened;
}
