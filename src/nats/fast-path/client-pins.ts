import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What part of the fast path was written against one `@nats-io` package. */
export interface ClientPin {
  /** The exact version the fast path was written and measured against (package.json pins it). */
  readonly version: string;
  /**
   * Patches that rely on the package's internals: at any other version they stay off and CIM
   * runs on the plain client path. Empty for packages the fast path only mirrors in behaviour.
   */
  readonly patches: readonly string[];
  /** What to check in the new release before changing the version here. */
  readonly check: string;
}

/**
 * The `@nats-io` packages at the versions the fast path (`src/nats/fast-path`) was written for.
 * package.json pins each to exactly this version; `client-pins.test.ts` fails when the two (or
 * what is installed) disagree, naming what to check.
 */
export const CLIENT_PINS: Readonly<Record<string, ClientPin>> = {
  '@nats-io/nats-core': {
    version: '3.4.0',
    patches: ['presized-reads.ts', 'outgoing-headers.ts'],
    check:
      'presized-reads.ts wraps Parser.prototype.parse (internal export) and resizes its msgBuf from ma.size; outgoing-headers.ts relies on publish() calling headers.encode() as MsgHdrsImpl does',
  },
  '@nats-io/transport-node': {
    version: '3.4.0',
    patches: ['coalesced-writes.ts'],
    check:
      'coalesced-writes.ts wraps NodeTransport.prototype._send (lib/node_transport.js) and corks its socket',
  },
  '@nats-io/jetstream': {
    version: '3.4.0',
    patches: [],
    check:
      "ack-publisher.ts reads acks and refusals as js.publish does and throws the client's JetStreamApiError; direct-reader.ts asks direct gets as jsm.direct.getMessage does",
  },
  '@nats-io/obj': {
    version: '3.4.0',
    patches: [],
    check:
      "object-writer.ts writes and deletes objects in the layout this release's object store reads (ADR-20 subjects, metadata fields, digest)",
  },
  '@nats-io/kv': {
    version: '3.4.0',
    patches: [],
    check:
      'no patch; it depends on nats-core and jetstream of its own release, which must stay the ones above (npm ls @nats-io/nats-core shows one copy for them)',
  },
  '@nats-io/services': {
    version: '3.0.0-25',
    patches: [],
    check: 'no patch; src/api/nats-responder.ts serves the NATS API with it',
  },
  '@nats-io/jwt': {
    version: '0.0.11',
    patches: [],
    check:
      'no patch and not on the hot path; src/nats/auth (cim nats init) encodes the operator, account and user JWTs with it: check that nats-server still accepts what it encodes (nats-auth.int.test.ts)',
  },
  '@nats-io/nkeys': {
    version: '2.0.3',
    patches: [],
    check:
      'no patch and not on the hot path; src/nats/auth makes and signs with the operator, account and user keys with it',
  },
};

/** Versions of packages by name; `undefined` for one that is not installed. */
export type ClientVersions = Readonly<Record<string, string | undefined>>;

/** A package found at another version than the one its pin names. */
export interface PinMismatch {
  readonly name: string;
  readonly expected: string;
  readonly found: string | undefined;
  readonly pin: ClientPin;
}

/** The pins of `pins` that `found` does not match exactly. */
export function pinMismatches(
  pins: Readonly<Record<string, ClientPin>>,
  found: ClientVersions,
): PinMismatch[] {
  return Object.entries(pins)
    .filter(([name, pin]) => found[name] !== pin.version)
    .map(([name, pin]) => ({ name, expected: pin.version, found: found[name], pin }));
}

/** The pins whose packages have patches relying on their internals. */
export function patchedPins(
  pins: Readonly<Record<string, ClientPin>> = CLIENT_PINS,
): Record<string, ClientPin> {
  return Object.fromEntries(Object.entries(pins).filter(([, pin]) => pin.patches.length > 0));
}

/** One sentence per mismatch: the package, both versions, and what must be checked. */
export function describeMismatch(mismatch: PinMismatch, foundWhere: string): string {
  const { patches: names } = mismatch.pin;
  const patches =
    names.length === 0
      ? 'it'
      : `the ${names.length === 1 ? 'patch' : 'patches'} ${names.join(' and ')}`;
  return `${mismatch.name} is ${mismatch.found ?? 'missing'} in ${foundWhere}, but the NATS fast path was written for ${mismatch.expected}: check ${patches} against the new release (${mismatch.pin.check}), then update CLIENT_PINS in src/nats/fast-path/client-pins.ts and pin package.json with npm install --save-exact.`;
}

/** The installed versions of the pinned packages, as this module resolves them. */
export function installedClientVersions(
  names: readonly string[] = Object.keys(CLIENT_PINS),
): Record<string, string | undefined> {
  const require = createRequire(import.meta.url);
  return Object.fromEntries(names.map((name) => [name, installedVersion(require, name)]));
}

/**
 * The version of the package `name` resolves to. Its package.json is not always exported (the
 * `@nats-io` packages with an `exports` map leave it out), so it is found from the entry point up.
 */
function installedVersion(require: NodeJS.Require, name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === name) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
