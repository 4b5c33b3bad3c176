import type { PlannedServer } from './cluster-plan.js';
import { runningPid, serverHealth } from './local-servers.js';

/** What `cim cluster status` reports about one member. */
export interface MemberStatus {
  readonly name: string;
  readonly clientUrl: string;
  /** The PID of its nats-server, when one runs. */
  readonly pid: number | null;
  readonly healthy: boolean;
  /** What the health check said (`ok`, or why not). */
  readonly detail: string;
  /** The version the server reports, when its monitor answers. */
  readonly version: string | null;
  /** The JetStream meta leader this member sees, when there is one. */
  readonly metaLeader: string | null;
}

async function monitorJson<T>(server: PlannedServer, path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`${server.monitorUrl}${path}`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One member's state from its PID file and its monitoring endpoint (`/healthz`, `/varz` for the
 * version, `/jsz` for the meta leader). A member that does not answer is reported, not thrown.
 */
export async function memberStatus(server: PlannedServer): Promise<MemberStatus> {
  const [health, varz, jsz] = await Promise.all([
    serverHealth(server),
    monitorJson<{ version?: string }>(server, '/varz'),
    monitorJson<{ meta_cluster?: { leader?: string } }>(server, '/jsz'),
  ]);
  return {
    name: server.name,
    clientUrl: server.clientUrl,
    pid: runningPid(server) ?? null,
    healthy: health.ok,
    detail: health.detail,
    version: varz?.version ?? null,
    metaLeader: jsz?.meta_cluster?.leader || null,
  };
}
