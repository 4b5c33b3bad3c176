import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '../core/errors.js';

/**
 * The oldest nats-server CIM runs on, single node, cluster member or leaf (see decision 0015):
 * 2.9 lost acknowledged messages after a leader kill in our tests and rejects `sync_interval`,
 * and Jepsen found whole streams lost on crashes in 2.10.20 to 2.10.22.
 */
export const MIN_SERVER_VERSION = '2.10.23';

/** A nats-server executable and the version it reports. */
export interface ServerBinary {
  readonly path: string;
  readonly version: string;
}

/** Where `bash scripts/cim-dev.sh nats-tools` puts a server when the system's is too old. */
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

/** True when `version` (x.y.z) is at least {@link MIN_SERVER_VERSION}. */
export function isSupportedVersion(version: string): boolean {
  const have = version.split('.').map(Number);
  const want = MIN_SERVER_VERSION.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
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
  'older servers lost acknowledged messages on a leader kill or a crash, and 2.9 rejects the sync_interval setting';
const HOW = `run 'bash scripts/cim-dev.sh nats-tools' to fetch Debian's nats-server into .tools/, or set CIM_NATS_SERVER (nats.serverBin) to a ${MIN_SERVER_VERSION}+ binary`;

/**
 * The nats-server to run: the managed server of `cim up`, cluster members and leaf nodes. An
 * explicit choice (`explicit`, else `$CIM_NATS_SERVER`) is used or refused; otherwise the first of
 * `nats-server` on PATH and the project's `.tools/` copy that is at least
 * {@link MIN_SERVER_VERSION}. Refusal is an UnavailableError saying why, in one sentence.
 */
export function findNatsServer(
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
    if (!isSupportedVersion(version))
      throw new UnavailableError(
        `${chosen} is nats-server ${version}, older than the ${MIN_SERVER_VERSION} CIM needs (${WHY}): ${HOW}.`,
      );
    return { path: chosen, version };
  }
  const seen: string[] = [];
  for (const candidate of ['nats-server', PROJECT_TOOLS_SERVER]) {
    if (candidate !== 'nats-server' && !existsSync(candidate)) continue;
    const version = versionOf(candidate);
    if (version === undefined) continue;
    if (isSupportedVersion(version)) return { path: candidate, version };
    seen.push(`${candidate} is ${version}`);
  }
  throw new UnavailableError(
    seen.length === 0
      ? `No nats-server is installed: ${HOW}.`
      : `No nats-server ${MIN_SERVER_VERSION} or newer was found (${seen.join(', ')}; ${WHY}): ${HOW}.`,
  );
}
