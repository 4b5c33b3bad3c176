import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ClientVersions } from './client-pins.js';
import {
  CLIENT_PINS,
  describeMismatch,
  installedClientVersions,
  patchedPins,
  pinMismatches,
} from './client-pins.js';

// Compiled to dist/src/nats/fast-path: the package root is four up.
const root = new URL('../../../../', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, root), 'utf8')) as unknown;

const manifest = readJson('package.json') as { dependencies: Record<string, string> };
const lock = readJson('package-lock.json') as {
  packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
};

/** The `@nats-io` entries of a dependency list. */
const natsOf = (deps: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(deps).filter(([name]) => name.startsWith('@nats-io/')));

/** Fails with one sentence per package whose version differs from its pin. */
function assertPinned(found: ClientVersions, where: string): void {
  const mismatches = pinMismatches(CLIENT_PINS, found);
  assert.equal(mismatches.length, 0, mismatches.map((m) => describeMismatch(m, where)).join('\n'));
}

test("package.json pins every @nats-io package exactly at the version the fast path's patches were written for", () => {
  const declared = natsOf(manifest.dependencies);
  assertPinned(declared, 'package.json');
  const unpinned = Object.keys(declared).filter((name) => CLIENT_PINS[name] === undefined);
  assert.deepEqual(
    unpinned,
    [],
    `${unpinned.join(', ')} must be added to CLIENT_PINS in src/nats/fast-path/client-pins.ts, saying what of the fast path relies on it.`,
  );
});

test('package-lock.json installs the pinned versions', () => {
  assertPinned(natsOf(lock.packages['']?.dependencies ?? {}), 'package-lock.json (dependencies)');
  const locked = Object.fromEntries(
    Object.keys(CLIENT_PINS).map((name) => [name, lock.packages[`node_modules/${name}`]?.version]),
  );
  assertPinned(locked, 'package-lock.json');
});

test('the installed @nats-io packages are the pinned versions', () => {
  assertPinned(installedClientVersions(), 'node_modules');
});

test('another version of a patched package is reported with the patch that must be checked', () => {
  const found = { ...installedClientVersions(), '@nats-io/nats-core': '3.5.0' };
  const mismatches = pinMismatches(CLIENT_PINS, found);
  assert.deepEqual(
    mismatches.map((m) => [m.name, m.found, m.expected]),
    [['@nats-io/nats-core', '3.5.0', '3.4.0']],
  );
  const sentence = describeMismatch(mismatches[0]!, 'package.json');
  assert.match(sentence, /@nats-io\/nats-core is 3\.5\.0 in package\.json/);
  assert.match(sentence, /written for 3\.4\.0/);
  assert.match(sentence, /check the patches presized-reads\.ts and outgoing-headers\.ts/);
});

test('a range instead of an exact version is a mismatch too', () => {
  const found = { ...installedClientVersions(), '@nats-io/transport-node': '^3.4.0' };
  const [mismatch, ...rest] = pinMismatches(CLIENT_PINS, found);
  assert.equal(rest.length, 0);
  assert.match(describeMismatch(mismatch!, 'package.json'), /check the patch coalesced-writes\.ts/);
});

test('the start-up check covers exactly the packages whose internals are patched', () => {
  assert.deepEqual(Object.keys(patchedPins()).sort(), [
    '@nats-io/nats-core',
    '@nats-io/transport-node',
  ]);
});
