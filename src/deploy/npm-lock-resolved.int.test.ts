import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nixEval } from '../testing/nix.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly name?: string;
}

test('the Nix package gets a registry URL for every locked npm package, where npm itself fetches it', () => {
  const lockFile = join(ROOT, 'package-lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const resolved = nixEval<Record<string, LockEntry>>(
    `(import ${join(ROOT, 'nix/lib/npm-lock-resolved.nix')} { lock = builtins.fromJSON (builtins.readFile ${lockFile}); }).packages`,
  );
  let fetched = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link === true || entry.integrity === undefined) {
      assert.equal(resolved[path]?.resolved, entry.resolved, `${path || 'the root'} is left as is`);
      continue;
    }
    const name =
      entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.slice(name.lastIndexOf('/') + 1);
    // The registry's tarball address, as `npm view NAME@VERSION dist.tarball` gives it.
    const expected =
      entry.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`;
    assert.equal(resolved[path]?.resolved, expected, path);
    fetched++;
  }
  assert.ok(fetched > 400, `${fetched} packages`);
});
