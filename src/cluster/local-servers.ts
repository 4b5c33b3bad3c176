import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, UnavailableError } from '../core/errors.js';
import { renderNatsConfig } from '../deploy/nats-config.js';
import type { ClusterManifest, PlannedServer } from './cluster-plan.js';

/** The file in a cluster folder that lists its servers. */
export const MANIFEST_FILE = 'cluster.json';

function writeWhole(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

/**
 * Writes every server's configuration (rendered and validated before the first file is written)
 * and the manifest into `dir`.
 */
export function writeManifest(dir: string, manifest: ClusterManifest): void {
  const configs = manifest.servers.map(
    (s) => [s.configFile, renderNatsConfig(s.topology)] as const,
  );
  for (const [file, text] of configs) writeWhole(file, text);
  for (const s of manifest.servers) mkdirSync(s.topology.storeDir, { recursive: true });
  writeWhole(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest in `dir`; an InvalidInputError saying to run `cim cluster init` when absent. */
export function readManifest(dir: string): ClusterManifest {
  const file = join(resolve(dir), MANIFEST_FILE);
  if (!existsSync(file))
    throw new InvalidInputError(
      `${resolve(dir)} holds no cluster (no ${MANIFEST_FILE}): run 'cim cluster init' or 'cim leaf init' first, or pass --dir.`,
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterManifest;
  } catch (err) {
    throw new InvalidInputError(
      `${file} is not valid JSON (${(err as Error).message}): run 'cim cluster init --force' to write it again.`,
      { cause: err },
    );
  }
}

/** The PID recorded for a server if that process is alive and is a nats-server. */
export function runningPid(server: PlannedServer): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(server.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one server as a detached process (it outlives the command that started it), its output
 * appended to its log file. A server already running is left alone. Returns its PID.
 */
export function startServer(server: PlannedServer, serverBin: string): number {
  const running = runningPid(server);
  if (running !== undefined) return running;
  const log = openSync(server.logFile, 'a');
  try {
    const child = spawn(serverBin, ['-c', server.configFile], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined)
      throw new UnavailableError(`${serverBin} could not be started for ${server.name}.`);
    child.on('error', () => undefined);
    child.unref();
    writeWhole(server.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Sends a signal; a process that has just exited is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/**
 * Stops one server by its PID: `SIGTERM` (a clean shutdown) then, after `graceMs`, `SIGKILL`.
 * `signal: 'SIGKILL'` kills it at once, as a crash would. Resolves once the process is gone.
 */
export async function stopServer(
  server: PlannedServer,
  options: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {},
): Promise<boolean> {
  const pid = runningPid(server);
  if (pid === undefined) return false;
  signal(pid, options.signal ?? 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 10_000);
  while (alive(pid)) {
    if (Date.now() > deadline) signal(pid, 'SIGKILL');
    await sleep(50);
  }
  return true;
}

/**
 * What a server's monitoring endpoint says about its health; a cluster member is healthy once its
 * JetStream meta group has a leader and knows every member.
 */
export async function serverHealth(
  server: PlannedServer,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await fetch(`${server.monitorUrl}/healthz`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await response.json()) as { status?: string; error?: string };
    const detail = body.error ?? body.status ?? String(response.status);
    const cluster = server.topology.cluster;
    if (!response.ok || cluster === undefined) return { ok: response.ok, detail };
    // /healthz can pass before the JetStream meta group knows every member; replicated streams
    // cannot be placed until its leader does ("no suitable peers for placement"). Only the
    // leader's count is checked, as nats-server's own cluster tests do: a follower's count is a
    // copy of the leader's peer list that can arrive late (one CI run waited a minute on a
    // member reporting 2 of 3 while a leader was elected).
    const jsz = await fetch(`${server.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2000) });
    const meta = (
      (await jsz.json()) as { meta_cluster?: { leader?: string; cluster_size?: number } }
    ).meta_cluster;
    const members = cluster.routes.length + 1;
    const leading = meta?.leader === server.topology.serverName;
    if (!meta?.leader || (leading && (meta.cluster_size ?? 0) < members))
      return {
        ok: false,
        detail: `JetStream meta group not formed (leader ${meta?.leader || 'none'}, ${meta?.cluster_size ?? 0} of ${members} members known)`,
      };
    return { ok: true, detail };
  } catch (err) {
    return { ok: false, detail: `unreachable (${(err as Error).message})` };
  }
}

/**
 * Waits until every listed server answers its health check (JetStream current, a meta leader
 * elected), or fails after `timeoutMs` naming the servers that are not healthy and their logs.
 */
export async function waitHealthy(
  servers: readonly PlannedServer[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await Promise.all(servers.map(serverHealth));
    const sick = servers
      .map((server, i) => ({ server, detail: health[i]!.detail, ok: health[i]!.ok }))
      .filter((h) => !h.ok);
    if (sick.length === 0) return;
    if (Date.now() > deadline)
      throw new UnavailableError(
        `${sick.map((h) => `${h.server.name} (${h.detail})`).join(', ')} did not become healthy in ${Math.round(timeoutMs / 1000)} s: see ${sick.map((h) => h.server.logFile).join(', ')}.`,
      );
    await sleep(250);
  }
}
