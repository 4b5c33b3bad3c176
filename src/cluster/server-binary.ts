import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '../core/errors.js';

/** The oldest nats-server CIM runs a cluster on (see docs/scaling.md for why). */
export const CLUSTER_MIN_VERSION = [2, 10] as const;

/** A nats-server executable and the version it reports. */
export interface ServerBinary {
  readonly path: string;
  readonly version: string;
}

/** Where `bash scripts/cim-dev.sh cluster-tools` puts a 2.10+ server when the system's is older. */
export const PROJECT_TOOLS_SERVER = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '.tools',
  'nats-server',
  'nats-server',
);

/** `2.10.27` from `nats-server: v2.10.27`; undefined when the output has no version. */
export function parseServerVersion(output: string): string | undefined {
  return /v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** True when `version` (x.y.z) is at least {@link CLUSTER_MIN_VERSION}. */
export function isClusterGrade(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [wantMajor, wantMinor] = CLUSTER_MIN_VERSION;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

function versionOf(path: string): string | undefined {
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return parseServerVersion(out);
  } catch {
    return undefined;
  }
}

const WHY =
  'nats-server 2.9 lost acknowledged messages after a leader kill in our tests and 2.10 did not';
const HOW =
  "run 'bash scripts/cim-dev.sh cluster-tools' to fetch Debian 13's 2.10 into .tools/, or set CIM_NATS_SERVER to a 2.10+ binary";

/**
 * The nats-server to run cluster members and leaf nodes with. An explicit choice (`explicit`,
 * else `$CIM_NATS_SERVER`) is used or refused; otherwise the first of `nats-server` on PATH and
 * the project's `.tools/` copy that is 2.10 or newer. Refusal is an UnavailableError saying why.
 */
export function findClusterServer(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): ServerBinary {
  const chosen = explicit ?? env['CIM_NATS_SERVER'];
  if (chosen !== undefined && chosen !== '') {
    const version = versionOf(chosen);
    if (version === undefined)
      throw new UnavailableError(
        `${chosen} does not run as nats-server (no version from --version): ${HOW}.`,
      );
    if (!isClusterGrade(version))
      throw new UnavailableError(
        `${chosen} is nats-server ${version}, too old for a cluster or leaf node: ${WHY}; ${HOW}.`,
      );
    return { path: chosen, version };
  }
  const seen: string[] = [];
  for (const candidate of ['nats-server', PROJECT_TOOLS_SERVER]) {
    if (candidate !== 'nats-server' && !existsSync(candidate)) continue;
    const version = versionOf(candidate);
    if (version === undefined) continue;
    if (isClusterGrade(version)) return { path: candidate, version };
    seen.push(`${candidate} is ${version}`);
  }
  throw new UnavailableError(
    seen.length === 0
      ? `No nats-server is installed: ${HOW}.`
      : `No nats-server 2.10 or newer was found (${seen.join(', ')}): ${WHY}; ${HOW}.`,
  );
}
