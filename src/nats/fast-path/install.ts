import { isMainThread } from 'node:worker_threads';
import type { ClientVersions, PinMismatch } from './client-pins.js';
import {
  describeMismatch,
  installedClientVersions,
  patchedPins,
  pinMismatches,
} from './client-pins.js';
import { coalesceNatsWrites } from './coalesced-writes.js';
import { presizeNatsReads } from './presized-reads.js';

/** Where the fast path's one warning goes (a pino logger fits). */
export interface FastPathLogger {
  warn(details: object, message: string): void;
}

/** Options for {@link installFastPath}. */
export interface FastPathOptions {
  /** The installed `@nats-io` versions; read from node_modules unless given (tests inject them). */
  readonly installedVersions?: ClientVersions;
  /** Receives the warning when the versions differ; `process.emitWarning` unless given. */
  readonly logger?: FastPathLogger;
}

/** How this process talks to NATS, decided once by {@link installFastPath}. */
export interface FastPathMode {
  /**
   * True when the patches of the client's internals are installed and outgoing headers are
   * encoded by CIM; false on the plain client path.
   */
  readonly patched: boolean;
  /** The patched packages found at other versions than their pins (empty when patched). */
  readonly mismatches: readonly PinMismatch[];
}

let mode: FastPathMode | undefined;

/**
 * Installs the fast path's patches of the NATS client's internals — socket writes coalesced per
 * turn, large messages read into presized buffers, CIM's own header encoding — if the packages
 * they patch are at the versions they were written for (`CLIENT_PINS`). Otherwise nothing is
 * patched, CIM runs on the plain client path (the same results, slower) and one warning names
 * each package, the version found and the one expected (from the main thread only: a worker
 * thread has its own copy of the client, patched or not, but its process has warned). The first
 * call decides for the process; later calls return the same mode. `connectNats` calls it before
 * connecting.
 */
export function installFastPath(options: FastPathOptions = {}): FastPathMode {
  if (mode !== undefined) return mode;
  const pins = patchedPins();
  const found = options.installedVersions ?? installedClientVersions(Object.keys(pins));
  const mismatches = pinMismatches(pins, found);
  if (mismatches.length > 0) {
    mode = { patched: false, mismatches };
    const message = `NATS client patches are off, CIM runs on the plain client path (slower, same results): ${mismatches
      .map((m) => describeMismatch(m, 'node_modules'))
      .join(' ')}`;
    const details = {
      packages: mismatches.map((m) => ({ name: m.name, installed: m.found, expected: m.expected })),
    };
    // A worker thread (the catalog's) decides for itself, but its node's main thread has warned.
    if (!isMainThread) return mode;
    if (options.logger) options.logger.warn(details, message);
    else process.emitWarning(message, { code: 'CIM_NATS_CLIENT_VERSION' });
    return mode;
  }
  coalesceNatsWrites();
  presizeNatsReads();
  mode = { patched: true, mismatches: [] };
  return mode;
}

/**
 * Whether the client's internals may be relied on: only once {@link installFastPath} has found
 * the pinned versions. Before it ran, nothing is relied on.
 */
export function clientInternalsInUse(): boolean {
  return mode?.patched === true;
}
