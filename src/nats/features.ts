/** Server features CIM uses when present; detected from the server's version, never assumed. */
export interface ServerFeatures {
  /** Stream and consumer metadata, multi-subject consumer filters, compression (2.10+). */
  readonly metadataAndMultiFilter: boolean;
  /** `sync_interval` and sound leader failover; required for clusters (2.10+). */
  readonly clusterSafe: boolean;
  /** Per-message TTL (2.11+). */
  readonly messageTtl: boolean;
  /** Batched direct get of several subjects at once (2.11+). */
  readonly batchDirectGet: boolean;
  /** Atomic batch publish (2.12+). */
  readonly atomicBatch: boolean;
}

/** `major.minor.patch` of a server version string such as `2.9.10` or `v2.12.1-beta`. */
export function parseServerVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** True when `version` is at least `major.minor`. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const parsed = parseServerVersion(version);
  if (!parsed) return false;
  return parsed[0] > major || (parsed[0] === major && parsed[1] >= minor);
}

/** The features a server of this version offers. */
export function detectFeatures(version: string): ServerFeatures {
  return {
    metadataAndMultiFilter: atLeast(version, 2, 10),
    clusterSafe: atLeast(version, 2, 10),
    messageTtl: atLeast(version, 2, 11),
    batchDirectGet: atLeast(version, 2, 11),
    atomicBatch: atLeast(version, 2, 12),
  };
}
